"""TLS for the TCP listener: the server's certificate and key, and mutual TLS's client CA."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import grpc

from sidecar.domain.errors import ConfigError


@dataclass(frozen=True)
class TlsFiles:
    cert_file: Path
    key_file: Path
    client_ca_file: Path | None = None


def _read(path: Path, what: str) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"cannot read the {what} {str(path)!r}: {error.strerror}") from None
    # Only the shape is checked, never quoted: the key file holds a private key.
    if b"-----BEGIN " not in data:
        raise ConfigError(f"the {what} {str(path)!r} is not PEM")
    return data


def server_credentials(files: TlsFiles) -> grpc.ServerCredentials:
    """gRPC server credentials; with a client CA, a client certificate is required."""
    chain = _read(files.cert_file, "TLS certificate file")
    key = _read(files.key_file, "TLS key file")
    if files.client_ca_file is None:
        return grpc.ssl_server_credentials([(key, chain)])
    client_ca = _read(files.client_ca_file, "TLS client CA file")
    return grpc.ssl_server_credentials(
        [(key, chain)], root_certificates=client_ca, require_client_auth=True
    )
