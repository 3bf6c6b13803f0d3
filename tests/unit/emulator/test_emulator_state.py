"""The emulator's data model, code table and fault plan, without sockets."""

import re

import pytest

from sidecar.emulator.codes import ERRORS, ApiError
from sidecar.emulator.faults import Fault, FaultKind, FaultPlan
from sidecar.emulator.state import TOKEN_CAP, EmulatorState, RequestCounter, RouteId

UID = "cometchat-uid-1"


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def error_code(excinfo: pytest.ExceptionInfo[ApiError]) -> str:
    return excinfo.value.code


def test_token_format_is_uid_unix_time_and_30_hex() -> None:
    state = EmulatorState(clock=FakeClock(1_712_345_678))
    token = state.issue_token(UID, force=True)
    assert re.fullmatch(rf"{UID}_1712345678[0-9a-f]{{30}}", token.token)
    assert token.created_at == 1_712_345_678
    assert token.uid == UID


def test_tokens_are_unique_within_one_second() -> None:
    state = EmulatorState(clock=FakeClock())
    tokens = {state.issue_token(UID, force=True).token for _ in range(50)}
    assert len(tokens) == 50


def test_without_force_the_newest_valid_token_is_reused() -> None:
    state = EmulatorState()
    first = state.issue_token(UID, force=False)
    assert state.issue_token(UID, force=False) == first
    newest = state.issue_token(UID, force=True)
    assert newest != first
    assert state.issue_token(UID, force=False) == newest


def test_minting_past_the_cap_invalidates_the_oldest_token() -> None:
    state = EmulatorState()
    tokens = [state.issue_token(UID, force=True).token for _ in range(TOKEN_CAP + 1)]
    assert TOKEN_CAP == 100
    with pytest.raises(ApiError) as excinfo:
        state.get_token(UID, tokens[0])
    assert error_code(excinfo) == "ERR_AUTH_TOKEN_NOT_FOUND"
    for token in (tokens[1], tokens[-1]):
        assert state.get_token(UID, token).token == token


def test_capped_out_token_can_no_longer_log_in() -> None:
    state = EmulatorState()
    oldest = state.issue_token(UID, force=True).token
    state.start_session(oldest, "python", "device-1")
    for _ in range(TOKEN_CAP):
        state.issue_token(UID, force=True)
    with pytest.raises(ApiError) as excinfo:
        state.start_session(oldest, "python", "device-1")
    assert error_code(excinfo) == "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"
    assert state.active_device_sessions(UID) == 0


@pytest.mark.parametrize("uid", ["COMETCHAT-UID-1", "CometChat-Uid-1", "cometchat-uid-1"])
def test_uids_are_case_insensitive(uid: str) -> None:
    state = EmulatorState()
    assert state.get_user(uid)["uid"] == UID
    assert state.issue_token(uid, force=True).uid == UID


@pytest.mark.parametrize("uid", ["", "a/b", "has space", "x" * 101, "cometchat-uid-9", "ü"])
def test_unknown_or_malformed_uids_are_not_found(uid: str) -> None:
    state = EmulatorState()
    with pytest.raises(ApiError) as excinfo:
        state.get_user(uid)
    assert error_code(excinfo) == "ERR_UID_NOT_FOUND"


def test_sample_users_are_seeded() -> None:
    state = EmulatorState(clock=FakeClock(1_700_000_000))
    names = [state.get_user(f"cometchat-uid-{n}")["name"] for n in range(1, 6)]
    assert names == ["Andrew Joseph", "George Alan", "Nancy Grace", "Susan Marie", "John Paul"]
    user = state.get_user("cometchat-uid-3")
    assert user == {
        "uid": "cometchat-uid-3",
        "name": "Nancy Grace",
        "avatar": "https://assets.cometchat.io/sampleapp/v2/users/cometchat-uid-3.webp",
        "status": "offline",
        "role": "default",
        "createdAt": 1_700_000_000,
    }


def test_token_of_another_user_is_not_accessible() -> None:
    state = EmulatorState()
    token = state.issue_token("cometchat-uid-2", force=True).token
    with pytest.raises(ApiError) as excinfo:
        state.get_token(UID, token)
    assert error_code(excinfo) == "ERR_AUTHTOKEN_NOT_ACCESSIBLE"
    with pytest.raises(ApiError) as excinfo:
        state.revoke_token(UID, token)
    assert error_code(excinfo) == "ERR_AUTHTOKEN_NOT_ACCESSIBLE"
    assert state.get_token("cometchat-uid-2", token).token == token


def test_sessions_drive_status_and_end_with_their_token() -> None:
    state = EmulatorState()
    first = state.issue_token(UID, force=True).token
    second = state.issue_token(UID, force=True).token
    assert state.start_session(first, "python", "a")["status"] == "online"
    state.start_session(second, "python", "b")
    assert state.active_device_sessions(UID) == 2
    state.end_session(first)
    assert state.get_user(UID)["status"] == "online"
    state.revoke_token(UID, second)
    assert state.active_device_sessions(UID) == 0
    assert state.get_user(UID)["status"] == "offline"
    state.check_token(first)  # logging out does not revoke


def test_revoke_all_tokens_only_touches_that_user() -> None:
    state = EmulatorState()
    mine = [state.issue_token(UID, force=True).token for _ in range(3)]
    other = state.issue_token("cometchat-uid-2", force=True).token
    state.revoke_all_tokens(UID)
    for token in mine:
        with pytest.raises(ApiError):
            state.check_token(token)
    state.check_token(other)
    assert state.issue_token(UID, force=False).token not in mine


# The statuses the contract lists; a change to the table has to change this on purpose.
EXPECTED_STATUS = {
    "ERR_UID_NOT_FOUND": 404,
    "AUTH_ERR_EMPTY_APIKEY": 401,
    "AUTH_ERR_APIKEY_NOT_FOUND": 401,
    "AUTH_ERR_NO_ACCESS": 403,
    "AUTH_ERR_EMPTY_APPID": 401,
    "AUTH_ERR_INVALID_APPID": 401,
    "AUTH_ERR_EMPTY_AUTH_TOKEN": 401,
    "AUTH_ERR_AUTH_TOKEN_NOT_FOUND": 401,
    "ERR_AUTH_TOKEN_NOT_FOUND": 404,
    "ERR_AUTHTOKEN_NOT_ACCESSIBLE": 403,
    "ERR_BAD_REQUEST": 400,
    "ERR_TOO_MANY_REQUESTS": 429,
    "ERR_API_NOT_FOUND": 404,
    "ERR_UID_ALREADY_EXISTS": 409,
    "ERR_EMPTY_CALL_SESSION_ID": 400,
    "ERR_CALL_SESSION_NOT_FOUND": 404,
}


def test_code_table_matches_the_contract() -> None:
    assert {code: spec.status for code, spec in ERRORS.items()} == EXPECTED_STATUS
    for spec in ERRORS.values():
        assert spec.message
        assert spec.dev_message


def test_api_error_rejects_codes_outside_the_table() -> None:
    with pytest.raises(ValueError, match="ERR_NOPE"):
        ApiError("ERR_NOPE")


def test_fault_plan_is_a_per_route_queue() -> None:
    plan = FaultPlan()
    fault = Fault(FaultKind.ERROR, "ERR_TOO_MANY_REQUESTS", retry_after=5)
    plan.add(RouteId.R3, fault, times=2)
    assert plan.take(RouteId.R1) is None
    assert plan.take(RouteId.R3) == fault
    assert plan.take(RouteId.R3) == fault
    assert plan.take(RouteId.R3) is None
    plan.add(RouteId.R1, fault)
    plan.clear()
    assert plan.take(RouteId.R1) is None


@pytest.mark.parametrize(
    ("route", "fault", "times"),
    [
        (RouteId.R1, Fault(FaultKind.ERROR, "ERR_TOO_MANY_REQUESTS"), 0),
        (RouteId.OTHER, Fault(FaultKind.ERROR, "ERR_TOO_MANY_REQUESTS"), 1),
    ],
)
def test_fault_plan_rejects_bad_input(route: RouteId, fault: Fault, times: int) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        FaultPlan().add(route, fault, times)


@pytest.mark.parametrize(
    ("code", "retry_after"), [("ERR_NOPE", 1), (None, 1), ("ERR_TOO_MANY_REQUESTS", -1)]
)
def test_faults_validate_themselves(code: str | None, retry_after: int) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        Fault(FaultKind.ERROR, code, retry_after)


def test_request_counter_counts_by_route() -> None:
    counter = RequestCounter()
    for route in (RouteId.R1, RouteId.R1, RouteId.M1, RouteId.OTHER):
        counter.add(route)
    assert counter.count(RouteId.R1) == 2
    assert counter.count(RouteId.M2) == 0
    assert counter.count() == 4
    assert counter.snapshot()["other"] == 1
    counter.reset()
    assert counter.count() == 0


def test_extra_users_for_benchmarks() -> None:
    state = EmulatorState(extra_users=3)

    assert state.get_user("user-2")["name"] == "User 2"
    assert state.issue_token("user-0", force=False).uid == "user-0"
    with pytest.raises(ApiError):
        state.get_user("user-3")
