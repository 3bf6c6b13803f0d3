"""Documents and build files that must agree with the code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from sidecar.errors import REASONS

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_error_table_lists_every_reason_as_the_code_answers_it() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(
        r"^\| `([A-Z_]+)` \| ([a-z-]+) \| `([A-Z_]+)` \| (yes|no) \| (.+) \|$", readme, re.M
    )
    documented = {reason: (domain, code, retry == "yes") for reason, domain, code, retry, _ in rows}

    expected = {r: (s.domain, s.code, s.retryable) for r, s in REASONS.items()}
    assert documented == expected


def test_the_root_buf_template_is_the_union_of_the_language_templates() -> None:
    def plugins(path: Path) -> set[str]:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert document["version"] == "v2"
        return {json.dumps(p, sort_keys=True) for p in document["plugins"]}

    languages = sorted((ROOT / "clients").glob("*/buf.gen.yaml"))
    assert [p.parent.name for p in languages] == ["go", "java", "node", "python"]
    union = set().union(*(plugins(p) for p in languages))
    assert plugins(ROOT / "buf.gen.yaml") == union
