"""Reliability under faults: bounded load from several apps while each fault kind is injected."""

from __future__ import annotations

from pathlib import Path

from sidecar.domain.errors import REASONS
from tests.reliability.scenario import (
    APPS,
    DEADLINE_SECONDS,
    FLOOD_PHASE,
    KILL_PHASE,
    METHODS,
    PHASES,
    SIDECAR_UNREACHABLE,
    own_uid,
    report,
    run,
)

# Deadlines are measured on the client; allow for scheduling on a busy 2-core machine.
DEADLINE_SLACK_SECONDS = 0.5
# Upstream requests per call: a call makes at most R3 + M1 (or one M2, C1 or forced R3), each
# tried at most
# `upstream_max_attempts` (3) times; retries are bounded, so the ratio stays far below 6.
MAX_UPSTREAM_PER_CALL = 3.0
RECOVERY_LIMIT_SECONDS = 8.0


async def test_every_call_ends_in_time_with_a_documented_reason(tmp_path: Path) -> None:
    outcome = await run(tmp_path, phase_seconds=2.0, recovery_limit=RECOVERY_LIMIT_SECONDS)
    print("\n" + report(outcome))

    assert {c.phase for c in outcome.calls} >= {phase for phase, _ in PHASES} | {
        FLOOD_PHASE,
        KILL_PHASE,
    }
    documented = set(REASONS) | {"OK"}
    # While the killed sidecar is down, callers get their transport's UNAVAILABLE; only then.
    undocumented = [
        c
        for c in outcome.calls
        if c.reason not in documented
        and not (c.reason == SIDECAR_UNREACHABLE and c.phase.startswith(KILL_PHASE))
    ]
    assert undocumented == []
    assert any(c.reason == SIDECAR_UNREACHABLE for c in outcome.calls), "the kill was not seen"
    late = [c for c in outcome.calls if c.seconds > DEADLINE_SECONDS + DEADLINE_SLACK_SECONDS]
    assert late == []
    # No session crosses apps: every user an app saw was its own, and so is its final one.
    assert outcome.crossed == []
    assert outcome.final_users == {app: own_uid(app) for app in APPS}
    # No session lost to a SIGKILL: after the restart every app sees its own user, answered
    # from the state file with no upstream request.
    assert outcome.users_after_restart == {app: own_uid(app) for app in APPS}
    assert outcome.upstream_for_restart_check == 0
    # Every fault phase ended with the sidecar serving again within the limit (run() raises
    # otherwise); the baseline phase had no failures at all.
    # (Another worker of the app may have logged out just before a Logout or a call token.)
    assert set(outcome.reasons("none")) <= {
        "OK",
        "ERROR_NO_USER_LOGGED_IN",
        "ERROR_AUTH_TOKEN_MISSING",
    }
    # While one app floods logins, the others' calls succeed as in the baseline, in time.
    assert set(outcome.reasons(FLOOD_PHASE)) <= {
        "OK",
        "ERROR_NO_USER_LOGGED_IN",
        "ERROR_AUTH_TOKEN_MISSING",
    }
    flooded = sum(outcome.flood_answers.values())
    others = sum(outcome.reasons(FLOOD_PHASE).values())
    assert flooded > others, f"no flood: {outcome.flood_answers}"
    assert {c.method for c in outcome.calls} >= set(METHODS)
    assert outcome.upstream_requests <= MAX_UPSTREAM_PER_CALL * len(outcome.calls)
