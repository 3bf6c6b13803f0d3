"""Secrets never show."""

from __future__ import annotations

import pickle

import pytest

from sidecar.domain.secret import Secret


def test_a_secret_never_shows() -> None:
    secret = Secret("s3cr3t-value")
    assert "s3cr3t" not in repr(secret)
    assert "s3cr3t" not in str(secret)
    assert "s3cr3t" not in f"{secret}"
    assert secret.reveal() == "s3cr3t-value"
    assert secret == Secret("s3cr3t-value")
    assert secret != Secret("other")
    with pytest.raises(TypeError):
        pickle.dumps(secret)
