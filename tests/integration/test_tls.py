"""TLS and mutual TLS on the TCP listener, with certificates made in the test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from cometchat_sidecar.auth.v1 import auth_pb2, auth_pb2_grpc

from tests.certs import Issued, certificate_authority, client_certificate, server_certificate
from tests.integration.conftest import AppClient, fails
from tests.stack import Stack, live_stack

SPIFFE_A = "spiffe://example.org/ns/shop/sa/app-a"


@dataclass(frozen=True)
class Pki:
    ca: Issued
    server: Issued
    ca_file: Path
    cert_file: Path
    key_file: Path


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    ca = certificate_authority()
    server = server_certificate(ca)
    ca_file, _ = ca.write(tmp_path, "ca")
    cert_file, key_file = server.write(tmp_path, "server")
    return Pki(ca, server, ca_file, cert_file, key_file)


def _channel(stack: Stack, pki: Pki, client: Issued | None = None) -> grpc.aio.Channel:
    credentials = grpc.ssl_channel_credentials(
        root_certificates=pki.ca.cert_pem,
        private_key=client.key_pem if client else None,
        certificate_chain=client.cert_pem if client else None,
    )
    return grpc.aio.secure_channel(stack.address, credentials)


@pytest.fixture
async def mtls_stack(tmp_path: Path, pki: Pki) -> AsyncIterator[Stack]:
    async with live_stack(
        tmp_path,
        apps=(),
        tls_cert_file=pki.cert_file,
        tls_key_file=pki.key_file,
        tls_client_ca_file=pki.ca_file,
        tls_client_apps=((SPIFFE_A, "app-a"), ("app-b.internal", "app-b")),
    ) as stack:
        yield stack


async def test_mutual_tls_maps_each_certificate_to_its_app(mtls_stack: Stack, pki: Pki) -> None:
    cert_a = client_certificate(pki.ca, "whatever-cn", uri=SPIFFE_A)
    cert_b = client_certificate(pki.ca, "app-b.internal")  # mapped by its common name
    async with _channel(mtls_stack, pki, cert_a) as a, _channel(mtls_stack, pki, cert_b) as b:
        app_a = AppClient(auth_pb2_grpc.AuthServiceStub(a), ())
        app_b = AppClient(auth_pb2_grpc.AuthServiceStub(b), ())

        await app_a.login("cometchat-uid-1")
        assert await app_b.whoami() is None
        await app_b.login("cometchat-uid-2")
        await app_b.logout()

        user_a = await app_a.whoami()
        assert user_a is not None
        assert user_a.uid == "cometchat-uid-1"
        assert (await fails(app_b.logout())).reason == "ERROR_NO_USER_LOGGED_IN"


async def test_a_certificate_mapped_to_no_app_is_refused(mtls_stack: Stack, pki: Pki) -> None:
    stranger = client_certificate(pki.ca, "someone-else", uri="spiffe://example.org/other")
    async with _channel(mtls_stack, pki, stranger) as channel:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        failure = await fails(stub.GetLoggedInUser(auth_pb2.GetLoggedInUserRequest(), timeout=10))

    assert (failure.code, failure.reason) == (
        grpc.StatusCode.UNAUTHENTICATED,
        "ERROR_UNKNOWN_CLIENT_CERTIFICATE",
    )


@pytest.mark.parametrize("client", ["none", "other-ca"])
async def test_without_a_certificate_from_the_ca_no_call_gets_through(
    mtls_stack: Stack, pki: Pki, client: str
) -> None:
    cert = None
    if client == "other-ca":
        cert = client_certificate(certificate_authority("rogue-ca"), "x", uri=SPIFFE_A)
    async with _channel(mtls_stack, pki, cert) as channel:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.GetLoggedInUser(auth_pb2.GetLoggedInUserRequest(), timeout=5)

    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
    assert mtls_stack.emulator.request_count() == 0


async def test_server_tls_with_bearer_credentials(tmp_path: Path, pki: Pki) -> None:
    async with live_stack(
        tmp_path, tls_cert_file=pki.cert_file, tls_key_file=pki.key_file
    ) as stack:
        async with _channel(stack, pki) as channel:
            app_a = AppClient(auth_pb2_grpc.AuthServiceStub(channel), stack.metadata("app-a"))
            user = await app_a.login("cometchat-uid-1")
            assert user.uid == "cometchat-uid-1"
        async with grpc.aio.insecure_channel(stack.address) as plain:
            stub = auth_pb2_grpc.AuthServiceStub(plain)
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub.GetLoggedInUser(
                    auth_pb2.GetLoggedInUserRequest(), metadata=stack.metadata("app-a"), timeout=5
                )
            assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
