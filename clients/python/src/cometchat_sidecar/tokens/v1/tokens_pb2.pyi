from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class IssueAuthTokenRequest(_message.Message):
    __slots__ = ("uid", "create_if_missing", "name")
    UID_FIELD_NUMBER: _ClassVar[int]
    CREATE_IF_MISSING_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    uid: str
    create_if_missing: bool
    name: str
    def __init__(self, uid: _Optional[str] = ..., create_if_missing: _Optional[bool] = ..., name: _Optional[str] = ...) -> None: ...

class IssueAuthTokenResponse(_message.Message):
    __slots__ = ("uid", "auth_token", "created_at", "user_created")
    UID_FIELD_NUMBER: _ClassVar[int]
    AUTH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    USER_CREATED_FIELD_NUMBER: _ClassVar[int]
    uid: str
    auth_token: str
    created_at: int
    user_created: bool
    def __init__(self, uid: _Optional[str] = ..., auth_token: _Optional[str] = ..., created_at: _Optional[int] = ..., user_created: _Optional[bool] = ...) -> None: ...

class RevokeAuthTokenRequest(_message.Message):
    __slots__ = ("uid", "auth_token")
    UID_FIELD_NUMBER: _ClassVar[int]
    AUTH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    uid: str
    auth_token: str
    def __init__(self, uid: _Optional[str] = ..., auth_token: _Optional[str] = ...) -> None: ...

class RevokeAuthTokenResponse(_message.Message):
    __slots__ = ("sessions_ended",)
    SESSIONS_ENDED_FIELD_NUMBER: _ClassVar[int]
    sessions_ended: int
    def __init__(self, sessions_ended: _Optional[int] = ...) -> None: ...

class RevokeAllAuthTokensRequest(_message.Message):
    __slots__ = ("uid",)
    UID_FIELD_NUMBER: _ClassVar[int]
    uid: str
    def __init__(self, uid: _Optional[str] = ...) -> None: ...

class RevokeAllAuthTokensResponse(_message.Message):
    __slots__ = ("sessions_ended",)
    SESSIONS_ENDED_FIELD_NUMBER: _ClassVar[int]
    sessions_ended: int
    def __init__(self, sessions_ended: _Optional[int] = ...) -> None: ...
