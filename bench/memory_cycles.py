"""Memory over a long run of login/logout cycles: the sidecar's RSS at start and end.

    .venv/bin/python -m bench.memory_cycles [--cycles 10000] [--apps 4] [--backend sqlite]

Runs the sidecar as its own process (`python -m sidecar serve`, state in a temporary
SQLite file or in memory) in front of the emulator (in this process), drives
`--cycles` Login + Logout pairs spread over `--apps` apps, each login of one of the
five sample users, and reads the sidecar's VmRSS from /proc after a warm-up (a tenth
of the run) and at the end. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

import grpc
from cometchat_sidecar.auth.v1 import auth_pb2, auth_pb2_grpc

from sidecar.emulator import Emulator
from tests.processes import SidecarProcess, emulator_args
from tests.stack import new_state_key, write_credentials

Metadata = tuple[tuple[str, str], ...]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def cycles(
    stub: auth_pb2_grpc.AuthServiceAsyncStub, metadata: Metadata, count: int, offset: int
) -> None:
    for n in range(count):
        uid = f"cometchat-uid-{(n + offset) % 5 + 1}"
        await stub.Login(auth_pb2.LoginRequest(uid=uid), metadata=metadata, timeout=10)
        await stub.Logout(auth_pb2.LogoutRequest(), metadata=metadata, timeout=10)


async def run(total: int, app_count: int, backend: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as workdir:
        root = Path(workdir)
        apps = [f"app-{n}" for n in range(app_count)]
        credentials = write_credentials(root / "apps", apps)
        metadata = {a: (("authorization", f"Bearer {c}"),) for a, c in credentials.items()}
        per_app = max(1, total // app_count)
        warmup = max(1, per_app // 10)
        async with Emulator() as emulator:
            env = {
                "COMETCHAT_API_KEY": emulator.config.full_access_key,
                "COMETCHAT_SIDECAR_REVOCATION_CHECK_SECONDS": "0",
                "COMETCHAT_SIDECAR_LOGIN_RATE_PER_SECOND": "0",
            }
            args = emulator_args(emulator, root / "apps")
            if backend == "sqlite":
                env["COMETCHAT_SIDECAR_STATE_KEY"] = new_state_key()
                args += ["--state-path", str(root / "state.db")]
            process = await SidecarProcess.start(root / "sidecar.log", args, env)
            try:
                async with grpc.aio.insecure_channel(process.address) as channel:
                    stub = auth_pb2_grpc.AuthServiceStub(channel)

                    async def phase(count: int) -> None:
                        await asyncio.gather(
                            *(cycles(stub, metadata[a], count, i) for i, a in enumerate(apps))
                        )

                    await phase(warmup)
                    start_rss = rss_kib(process.process.pid)
                    started = time.perf_counter()
                    await phase(per_app)
                    elapsed = time.perf_counter() - started
                    end_rss = rss_kib(process.process.pid)
            finally:
                await process.stop()
    return {
        "backend": backend,
        "apps": app_count,
        "warmup_cycles": warmup * app_count,
        "cycles_measured": per_app * app_count,
        "rss_start_kib": start_rss,
        "rss_end_kib": end_rss,
        "rss_growth_kib": end_rss - start_rss,
        "cycles_per_second": round(per_app * app_count / elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="RSS of the sidecar over login/logout cycles")
    parser.add_argument("--cycles", type=int, default=10000)
    parser.add_argument("--apps", type=int, default=4)
    parser.add_argument("--backend", choices=("sqlite", "memory"), default="sqlite")
    options = parser.parse_args()
    print(json.dumps(asyncio.run(run(options.cycles, options.apps, options.backend))))


if __name__ == "__main__":
    main()
