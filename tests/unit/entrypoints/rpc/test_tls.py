"""TLS files are checked without quoting them."""

from __future__ import annotations

from pathlib import Path

import pytest

from sidecar.domain.errors import ConfigError
from sidecar.entrypoints.rpc.tls import TlsFiles, server_credentials


def test_tls_files_that_are_missing_or_no_pem_are_refused_without_quoting_them(
    tmp_path: Path,
) -> None:
    key = tmp_path / "key.pem"
    key.write_text("private-key-material-0123456789")
    cert = tmp_path / "cert.pem"
    cert.write_text("-----BEGIN CERTIFICATE-----\n")

    with pytest.raises(ConfigError, match="cannot read the TLS certificate file"):
        server_credentials(TlsFiles(tmp_path / "missing.pem", key))
    with pytest.raises(ConfigError, match="is not PEM") as refused:
        server_credentials(TlsFiles(cert, key))

    assert "private-key-material" not in str(refused.value)
