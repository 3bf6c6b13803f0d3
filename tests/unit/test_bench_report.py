"""The README's benchmark block is rendered from the committed bench/results/latest.json."""

from __future__ import annotations

import json

from bench.report import LATEST, README, readme_block, render


def test_the_readme_shows_the_figures_of_the_committed_run() -> None:
    rendered = render(json.loads(LATEST.read_text()))
    assert readme_block(README.read_text()) == rendered, (
        "README.md's benchmark block is stale: run `python -m bench.report --write`"
    )


def test_a_missed_target_is_reported_as_missed() -> None:
    run = {
        "start_up": {
            "runs": 10,
            "start_to_serving_median_s": 0.8,
            "start_to_serving_max_s": 0.9,
            "idle_rss_median_mib": 50.0,
        },
        "login_hop_cost": {
            "rounds": 100,
            "sidecar_login_p50_ms": 103.0,
            "direct_httpx_p50_ms": 102.5,
            "extra_hop_p50_ms": 0.5,
        },
    }
    rows = render(run).splitlines()
    start = next(r for r in rows if "start to `SERVING`" in r)
    rss = next(r for r in rows if "idle RSS" in r)
    hop = next(r for r in rows if "directly with httpx" in r)
    assert start.endswith("| no |")
    assert rss.endswith("| yes |")
    assert hop.endswith("| yes |")
