"""A process outside the rehearsed pod: what can it reach of the sidecar?

    python -m tests.deploy.pod_outsider POD_IP GRPC_PORT HEALTH_PORT

Prints one JSON object: whether a TCP connection to the sidecar's gRPC port on the
pod's IP and on the outsider's own loopback succeeds, and what the health-only port
(the one the kubelet probes) answers.
"""

from __future__ import annotations

import json
import socket
import sys

import grpc
from cometchat_sidecar import AUTH_SERVICE_NAME
from cometchat_sidecar.auth.v1 import auth_pb2, auth_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def connects(host: str, port: int) -> str:
    try:
        with socket.create_connection((host, port), timeout=5):
            return "connected"
    except ConnectionRefusedError:
        return "refused"
    except OSError as error:
        return type(error).__name__


def main() -> None:
    pod_ip, grpc_port, health_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    report: dict[str, object] = {
        "pod_ip_grpc": connects(pod_ip, grpc_port),
        "own_loopback_grpc": connects("127.0.0.1", grpc_port),
    }
    with grpc.insecure_channel(f"{pod_ip}:{health_port}") as channel:
        answer = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=AUTH_SERVICE_NAME), timeout=10
        )
        report["health"] = health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status)
        try:
            auth_pb2_grpc.AuthServiceStub(channel).GetLoggedInUser(
                auth_pb2.GetLoggedInUserRequest(), timeout=10
            )
            report["auth_on_health_port"] = "OK"
        except grpc.RpcError as error:
            report["auth_on_health_port"] = error.code().name
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
