"""Run the reliability scenario and print its figures as the README's Markdown table.

.venv/bin/python -m bench.reliability [--phase-seconds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

import structlog

from sidecar.logs import configure_logging
from tests.reliability.scenario import report, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--phase-seconds", type=float, default=2.0)
    args = parser.parse_args()
    configure_logging("error")
    with tempfile.TemporaryDirectory() as workdir:
        outcome = asyncio.run(run(Path(workdir), phase_seconds=args.phase_seconds))
    structlog.reset_defaults()
    print(report(outcome))


if __name__ == "__main__":
    main()
