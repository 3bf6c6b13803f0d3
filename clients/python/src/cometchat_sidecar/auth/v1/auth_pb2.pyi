from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UserStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    USER_STATUS_UNSPECIFIED: _ClassVar[UserStatus]
    USER_STATUS_ONLINE: _ClassVar[UserStatus]
    USER_STATUS_OFFLINE: _ClassVar[UserStatus]

class SessionChange(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SESSION_CHANGE_UNSPECIFIED: _ClassVar[SessionChange]
    SESSION_CHANGE_CURRENT: _ClassVar[SessionChange]
    SESSION_CHANGE_LOGGED_IN: _ClassVar[SessionChange]
    SESSION_CHANGE_LOGGED_OUT: _ClassVar[SessionChange]
    SESSION_CHANGE_REVOKED: _ClassVar[SessionChange]
USER_STATUS_UNSPECIFIED: UserStatus
USER_STATUS_ONLINE: UserStatus
USER_STATUS_OFFLINE: UserStatus
SESSION_CHANGE_UNSPECIFIED: SessionChange
SESSION_CHANGE_CURRENT: SessionChange
SESSION_CHANGE_LOGGED_IN: SessionChange
SESSION_CHANGE_LOGGED_OUT: SessionChange
SESSION_CHANGE_REVOKED: SessionChange

class CallsUser(_message.Message):
    __slots__ = ("uid", "name", "avatar", "status")
    UID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    AVATAR_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    uid: str
    name: str
    avatar: str
    status: UserStatus
    def __init__(self, uid: _Optional[str] = ..., name: _Optional[str] = ..., avatar: _Optional[str] = ..., status: _Optional[_Union[UserStatus, str]] = ...) -> None: ...

class LoginRequest(_message.Message):
    __slots__ = ("uid", "api_key")
    UID_FIELD_NUMBER: _ClassVar[int]
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    uid: str
    api_key: str
    def __init__(self, uid: _Optional[str] = ..., api_key: _Optional[str] = ...) -> None: ...

class LoginResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: CallsUser
    def __init__(self, user: _Optional[_Union[CallsUser, _Mapping]] = ...) -> None: ...

class LoginWithTokenRequest(_message.Message):
    __slots__ = ("auth_token",)
    AUTH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    auth_token: str
    def __init__(self, auth_token: _Optional[str] = ...) -> None: ...

class LoginWithTokenResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: CallsUser
    def __init__(self, user: _Optional[_Union[CallsUser, _Mapping]] = ...) -> None: ...

class GetLoggedInUserRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetLoggedInUserResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: CallsUser
    def __init__(self, user: _Optional[_Union[CallsUser, _Mapping]] = ...) -> None: ...

class LogoutRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LogoutResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class WatchSessionRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class WatchSessionResponse(_message.Message):
    __slots__ = ("change", "user")
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    change: SessionChange
    user: CallsUser
    def __init__(self, change: _Optional[_Union[SessionChange, str]] = ..., user: _Optional[_Union[CallsUser, _Mapping]] = ...) -> None: ...
