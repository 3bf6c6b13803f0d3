"""Documents and build files that must agree with the code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from cometchat_sidecar import Reason

from sidecar.domain.errors import REASONS

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_error_table_lists_every_reason_as_the_code_answers_it() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(
        r"^\| `([A-Z_]+)` \| ([a-z-]+) \| `([A-Z_]+)` \| (yes|no) \| (.+) \|$", readme, re.M
    )
    documented = {reason: (domain, code, retry == "yes") for reason, domain, code, retry, _ in rows}

    expected = {r: (s.domain, s.code, s.retryable) for r, s in REASONS.items()}
    assert documented == expected


def test_the_python_and_node_clients_name_every_reason() -> None:
    python = {name for name in vars(Reason) if getattr(Reason, name) == name}
    reasons_ts = (ROOT / "clients/node/src/reasons.ts").read_text(encoding="utf-8")
    node = set(re.findall(r'^  ([A-Z_]+): "\1",$', reasons_ts, re.M))

    assert sorted(set(REASONS) - python) == []
    assert sorted(set(REASONS) - node) == []
    assert python == node


def test_the_go_and_java_clients_name_every_reason() -> None:
    reasons_go = (ROOT / "clients/go/sidecar/reasons.go").read_text(encoding="utf-8")
    go = set(re.findall(r'^\t\w+\s+= "([A-Z_]+)"', reasons_go, re.M))
    java_dir = ROOT / "clients/java/src/main/java/io/github/cometchatsidecar/client"
    reasons_java = (java_dir / "Reasons.java").read_text(encoding="utf-8")
    java = set(re.findall(r'public static final String ([A-Z_]+) = "\1";', reasons_java))

    assert sorted(set(REASONS) - go) == []
    assert sorted(set(REASONS) - java) == []
    assert go == java


def test_the_root_buf_template_is_the_union_of_the_language_templates() -> None:
    def plugins(path: Path) -> set[str]:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert document["version"] == "v2"
        return {json.dumps(p, sort_keys=True) for p in document["plugins"]}

    languages = sorted((ROOT / "clients").glob("*/buf.gen.yaml"))
    assert [p.parent.name for p in languages] == ["go", "java", "node", "python"]
    union = set().union(*(plugins(p) for p in languages))
    assert plugins(ROOT / "buf.gen.yaml") == union


def test_the_readme_documents_every_setting_and_serve_flag() -> None:
    from sidecar.cli import _parser
    from sidecar.config import API_KEY_ENV, API_KEY_FILE_ENV, CONFIG_FILE_ENV, ENVIRONMENT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    variables = [*ENVIRONMENT.values(), API_KEY_ENV, API_KEY_FILE_ENV, CONFIG_FILE_ENV]
    assert [v for v in variables if f"`{v}`" not in readme] == []
    serve = _parser()._subparsers._group_actions[0].choices["serve"]  # type: ignore[union-attr,index]
    flags = [o for a in serve._actions for o in a.option_strings if o.startswith("--")]
    assert [f for f in flags if f != "--help" and f"`{f}" not in readme] == []


def test_httpx_request_logs_are_kept_quiet() -> None:
    import logging

    from sidecar.logs import configure_logging

    logging.getLogger("httpx").setLevel(logging.NOTSET)
    import structlog

    configure_logging()
    try:
        # httpx logs each request URL at INFO; R5's URL holds an auth token.
        assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    finally:
        structlog.reset_defaults()
