"""The in-memory fingerprints of issued tokens: per app, per user, bounded."""

from __future__ import annotations

from sidecar.adapters.state.issued_tokens import MemoryIssuedTokens


async def test_fingerprints_are_per_app_and_per_user() -> None:
    issued = MemoryIssuedTokens()
    await issued.add("a", "user-1", "f1")

    assert await issued.holds("a", "user-1", "f1")
    assert not await issued.holds("b", "user-1", "f1")
    assert not await issued.holds("a", "user-2", "f1")


async def test_the_oldest_are_forgotten_past_the_bound() -> None:
    issued = MemoryIssuedTokens(per_app=2)
    for n in range(3):
        await issued.add("a", "user-1", f"f{n}")
    await issued.add("b", "user-1", "f0")

    assert [await issued.holds("a", "user-1", f"f{n}") for n in range(3)] == [False, True, True]
    assert await issued.holds("b", "user-1", "f0")


async def test_discard_one_or_all_of_a_user() -> None:
    issued = MemoryIssuedTokens()
    for fingerprint in ("f1", "f2"):
        await issued.add("a", "user-1", fingerprint)
    await issued.add("a", "user-2", "f3")

    await issued.discard("a", "user-2", "f1")  # not that user's: kept
    assert await issued.holds("a", "user-1", "f1")
    await issued.discard("a", "user-1", "f1")
    await issued.discard_user("a", "user-1")

    assert not await issued.holds("a", "user-1", "f2")
    assert await issued.holds("a", "user-2", "f3")
