"""Who is calling: each listener's way of telling apps apart.

Each listener has one way of telling apps apart (an `Authenticator`):

- a per-app Unix socket: the socket the call arrived on names the app (`FixedApp`);
- TCP with mutual TLS: the client certificate, mapped by a SAN or its common name
  (`ClientCertificates`);
- TCP with per-app credentials: `authorization: Bearer <credential>`, checked
  against the hashed credentials of `AppRegistry` (`BearerCredentials`);
- open mode: every caller is the app `default` (`OpenMode`, loopback only).

Each listener's servicers hold its authenticator and ask it at the start of every
call (`CallRunner` in `calls.py`): no interceptor, so no extra coroutine or handler
objects per call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, Protocol

from sidecar.adapters.credentials import AppRegistry
from sidecar.domain.errors import ConfigError, fail
from sidecar.domain.model import AppIdentity

if TYPE_CHECKING:
    import grpc

    _Context = grpc.aio.ServicerContext[Any, Any]

DEFAULT_APP: Final = AppIdentity("default")
_BEARER: Final = "bearer "


class Authenticator(Protocol):
    """Names the app a call comes from, or raises a SidecarError saying why not."""

    def identify(self, context: _Context) -> AppIdentity: ...


class OpenMode:
    """Every caller is the app `default`."""

    def identify(self, context: _Context) -> AppIdentity:
        return DEFAULT_APP


class FixedApp:
    """A listener that only one app can reach (its own Unix socket)."""

    def __init__(self, app: str) -> None:
        self.app = AppIdentity(app)

    def identify(self, context: _Context) -> AppIdentity:
        return self.app


class BearerCredentials:
    """`authorization: Bearer <credential>`, checked against the registry."""

    def __init__(self, registry: AppRegistry) -> None:
        self.registry = registry

    def identify(self, context: _Context) -> AppIdentity:
        values = [
            value for key, value in context.invocation_metadata() or () if key == "authorization"
        ]
        if not values:
            raise fail("ERROR_MISSING_APP_CREDENTIAL")
        if len(values) > 1 or not isinstance(values[0], str):
            raise fail("ERROR_UNKNOWN_APP_CREDENTIAL")
        value = values[0]
        if value[: len(_BEARER)].lower() != _BEARER:
            raise fail("ERROR_UNKNOWN_APP_CREDENTIAL")
        identity = self.registry.identify(value[len(_BEARER) :].strip())
        if identity is None:
            raise fail("ERROR_UNKNOWN_APP_CREDENTIAL")
        return identity


class ClientCertificates:
    """Mutual TLS: the verified client certificate names the app.

    `table` maps a certificate identity to an app: a subject alternative name (a
    URI such as a SPIFFE id, a DNS name, an e-mail address or an IP) or, failing
    every SAN, the subject's common name. A certificate whose names map to two
    different apps is refused rather than guessed at.
    """

    def __init__(self, table: Mapping[str, str]) -> None:
        if not table:
            raise ConfigError("mutual TLS needs at least one certificate identity -> app entry")
        self.table = dict(table)

    def identify(self, context: _Context) -> AppIdentity:
        peer = context.auth_context()
        names = [*peer.get("x509_subject_alternative_name", ())]
        names += [*peer.get("x509_common_name", ())]
        apps = {
            self.table[n] for n in (v.decode("utf-8", "replace") for v in names) if n in self.table
        }
        if len(apps) != 1:
            raise fail("ERROR_UNKNOWN_CLIENT_CERTIFICATE")
        return AppIdentity(apps.pop())
