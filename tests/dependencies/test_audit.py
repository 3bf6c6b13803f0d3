"""pip-audit over the whole locked set (runtime, dev, bench), where advisory data is reachable.

pip-audit asks one of three services: PyPI's JSON API (the release's `vulnerabilities`, from
`/pypi/<name>/<version>/json`), OSV (`api.osv.dev`) or ecosyste.ms; each is tried in turn.
A probe of a single locked package first tells whether a service answers at all, so a
network where none does costs one request per service, not one per package. Where none
answers, the test is skipped with the reasons it got (pytest prints them in the summary);
the README says which is the case here.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
SERVICES = ("pypi", "osv", "esms")
PROBE = "httpx"
# pip-audit's own bound per HTTP request, and ours for a whole run.
REQUEST_TIMEOUT_SECONDS = 15
RUN_TIMEOUT_SECONDS = 180


@dataclass(frozen=True)
class Audit:
    audited: list[dict[str, Any]]
    skipped: list[dict[str, Any]]
    failure: str  # why the run itself failed, else ""


def locked_requirements(path: Path) -> Path:
    """Every locked package with its hashes, the two local packages left out."""
    exported = subprocess.run(
        [
            VENV_BIN / "uv", "export", "--quiet", "--frozen", "--offline",
            "--format", "requirements-txt", "--all-extras", "--all-groups",
            "--no-emit-project", "--no-emit-local",
        ],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    path.write_text(exported.stdout, encoding="utf-8")
    return path


def probe_requirements(locked: Path, path: Path) -> Path:
    """The probe package's entry (its pin and hash lines) out of the locked set."""
    lines = locked.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{PROBE}=="))
    entry = [lines[start]]
    for line in lines[start + 1 :]:
        if not line.startswith("    --hash"):
            break
        entry.append(line)
    path.write_text("\n".join(entry).rstrip(" \\") + "\n", encoding="utf-8")
    return path


def pip_audit(requirements: Path, service: str, cache: Path) -> Audit:
    try:
        result = subprocess.run(
            [
                VENV_BIN / "pip-audit", "--requirement", requirements, "--require-hashes",
                "--disable-pip", "--vulnerability-service", service, "--format", "json",
                "--timeout", str(REQUEST_TIMEOUT_SECONDS), "--cache-dir", cache,
                "--progress-spinner", "off",
            ],
            capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return Audit([], [], f"no answer within {RUN_TIMEOUT_SECONDS} s")
    # Exit 1 with a report means vulnerabilities were found; without one the run failed.
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        return Audit([], [], lines[-1] if lines else f"exit code {result.returncode}")
    dependencies = report["dependencies"]
    return Audit(
        audited=[d for d in dependencies if "skip_reason" not in d],
        skipped=[d for d in dependencies if "skip_reason" in d],
        failure="",
    )


def test_the_locked_set_has_no_known_vulnerabilities(tmp_path: Path) -> None:
    locked = locked_requirements(tmp_path / "locked.txt")
    probe = probe_requirements(locked, tmp_path / "probe.txt")
    unreachable = []
    for service in SERVICES:
        answer = pip_audit(probe, service, tmp_path / "cache")
        if not answer.audited:
            why = answer.failure or "; ".join(d["skip_reason"] for d in answer.skipped)
            unreachable.append(f"{service}: {why}")
            continue

        audit = pip_audit(locked, service, tmp_path / "cache")
        assert audit.failure == "", f"pip-audit ({service}) failed: {audit.failure}"
        vulnerable = {
            f"{d['name']}=={d['version']}": [v["id"] for v in d["vulns"]]
            for d in audit.audited
            if d["vulns"]
        }
        assert vulnerable == {}, "known vulnerabilities in the locked set (fix: make lock)"
        # The service answered for the probe; a package it could not audit is a gap.
        assert audit.skipped == [], f"{service} could not audit these locked packages"
        assert len(audit.audited) > 20
        return
    pytest.skip(
        "no vulnerability advisory data reachable from here, so the locked set was not"
        " audited (see README, Dependencies): " + " | ".join(unreachable)
    )
