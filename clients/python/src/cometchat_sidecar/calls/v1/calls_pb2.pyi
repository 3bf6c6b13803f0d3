from cometchat_sidecar.auth.v1 import auth_pb2 as _auth_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GenerateCallTokenRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class GenerateCallTokenResponse(_message.Message):
    __slots__ = ("call_token", "session_id", "user")
    CALL_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    call_token: str
    session_id: str
    user: _auth_pb2.CallsUser
    def __init__(self, call_token: _Optional[str] = ..., session_id: _Optional[str] = ..., user: _Optional[_Union[_auth_pb2.CallsUser, _Mapping]] = ...) -> None: ...
