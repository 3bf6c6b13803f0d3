"""The README's benchmark figures, rendered from bench/results/latest.json.

`python -m bench.report` prints the Markdown; `--write` replaces the block between the
`<!-- bench:begin -->` and `<!-- bench:end -->` markers in README.md with it. A unit test
fails when the README's block and latest.json disagree, so the figures in the README
are always those of the committed run, never retyped by hand.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parents[1]
LATEST: Final = ROOT / "bench" / "results" / "latest.json"
README: Final = ROOT / "README.md"
BEGIN: Final = "<!-- bench:begin (python -m bench.report --write) -->"
END: Final = "<!-- bench:end -->"

# The targets, as the tables state them.
THROUGHPUT_RATIO: Final = 0.95
P99_RATIO: Final = 1.2
LOGIN_CPU_MS: Final = 1.5
LOGIN_EFFICIENCY: Final = 0.8
LOGIN_PLATEAU: Final = 500.0
HOP_MS: Final = 1.0
START_S: Final = 0.4
RSS_MIB: Final = 60.0 * 1000 * 1000 / 1024 / 1024  # 60 MB
OTHER_APP_P99_MS: Final = 5.0


def _yes(met: bool) -> str:
    return "yes" if met else "no"


def _at(met: int, of: int) -> str:
    return "yes" if met == of else "no" if met == 0 else f"at {met} of {of}"


def _num(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def _pct(value: float) -> str:
    return f"{100 * value:.0f} %"


def _targets(d: dict[str, Any]) -> list[str]:
    rows = ["| target | measured | met |", "|---|---|---|"]
    ratios = d.get("get_logged_in_user_vs_floor") or []
    if ratios:
        at = " / ".join(str(r["concurrency"]) for r in ratios)
        tput = [r["throughput_ratio"] for r in ratios]
        p99 = [r["p99_ratio"] for r in ratios]
        met_t = sum(t >= THROUGHPUT_RATIO for t in tput)
        met_p = sum(p <= P99_RATIO for p in p99)
        rows.append(
            f"| `GetLoggedInUser` throughput ≥ {THROUGHPUT_RATIO:.2f} of the `grpc.aio` floor "
            f"(at {at} in flight) | {' / '.join(f'{t:.2f}' for t in tput)} | "
            f"{_at(met_t, len(tput))} |"
        )
        rows.append(
            f"| `GetLoggedInUser` p99 ≤ {P99_RATIO} x the floor's | "
            f"{' / '.join(f'{p:.2f}x' for p in p99)} | "
            f"{_at(met_p, len(p99))} |"
        )
    cpu = d.get("login_cpu")
    if cpu:
        rows.append(
            f"| `Login` CPU ≤ {LOGIN_CPU_MS} ms per call ({cpu['logins']:,} logins at "
            f"{cpu['concurrency']} in flight, sidecar process only) | "
            f"{cpu['cpu_ms_per_login']:.2f} ms | {_yes(cpu['cpu_ms_per_login'] <= LOGIN_CPU_MS)} |"
        )
    logins = [p for p in d.get("login") or [] if p["target"] == "sidecar"]
    if logins:
        upto = [p for p in logins if p["concurrency"] <= 64]
        good = [p["concurrency"] for p in upto if p["efficiency"] >= LOGIN_EFFICIENCY]
        reach = 0
        for p in upto:
            if p["efficiency"] < LOGIN_EFFICIENCY:
                break
            reach = p["concurrency"]
        rows.append(
            f"| `Login` ≥ {_pct(LOGIN_EFFICIENCY)} of ideal up to 64 in flight | "
            + ", ".join(f"{_pct(p['efficiency'])} ({p['concurrency']})" for p in upto)
            + f" | {'yes' if len(good) == len(upto) else f'up to {reach} in flight'} |"
        )
        plateau = max(p["rps"] for p in logins)
        rows.append(
            f"| `Login` plateau on one core ≥ {LOGIN_PLATEAU:.0f}/s | {_num(plateau)} logins/s "
            f"| {_yes(plateau >= LOGIN_PLATEAU)} |"
        )
    hop = d.get("login_hop_cost")
    if hop:
        rows.append(
            f"| `Login` p50 ≤ {HOP_MS:.0f} ms above the same calls made directly with httpx | "
            f"+{hop['extra_hop_p50_ms']:.2f} ms ({hop['sidecar_login_p50_ms']:.1f} against "
            f"{hop['direct_httpx_p50_ms']:.1f} ms) | {_yes(hop['extra_hop_p50_ms'] <= HOP_MS)} |"
        )
    start = d.get("start_up")
    if start:
        rows.append(
            f"| start to `SERVING` < {START_S} s median | "
            f"{start['start_to_serving_median_s']:.2f} s median, "
            f"{start['start_to_serving_max_s']:.2f} s worst of {start['runs']} | "
            f"{_yes(start['start_to_serving_median_s'] < START_S)} |"
        )
        rows.append(
            f"| idle RSS < 60 MB | {start['idle_rss_median_mib']:.1f} MiB "
            f"({start['idle_rss_median_mib'] * 1024 * 1024 / 1e6:.1f} MB) | "
            f"{_yes(start['idle_rss_median_mib'] < RSS_MIB)} |"
        )
    memory = d.get("memory")
    if memory:
        growth = memory["rss_growth_kib"] / memory["rss_start_kib"]
        rows.append(
            f"| flat memory over {memory['cycles_measured']:,} login/logout cycles | "
            f"{memory['rss_start_kib']:,} → {memory['rss_end_kib']:,} KiB "
            f"({100 * growth:+.1f} %), {memory['cycles_per_second']:.0f} cycles/s | "
            f"{_yes(growth < 0.02)} |"
        )
    fair = d.get("fairness") or []
    if fair:
        worst = max(f["other_app_p99_ms"] for f in fair)
        rows.append(
            f"| another app's `GetLoggedInUser` p99 ≤ {OTHER_APP_P99_MS:.0f} ms under a "
            "512-in-flight login flood | "
            + ", ".join(
                f"{f['other_app_p99_ms']:.1f} ms ({f['listener']}, limit {f['in_flight_limit']})"
                for f in fair
            )
            + f" | {_yes(worst <= OTHER_APP_P99_MS)} |"
        )
    return rows


def _get_table(d: dict[str, Any]) -> list[str]:
    ratios = d.get("get_logged_in_user_vs_floor") or []
    if not ratios:
        return []
    head = "| in flight | " + " | ".join(str(r["concurrency"]) for r in ratios) + " |"
    rows = [
        "`GetLoggedInUser`, each server pinned to one core, ghz on the other:",
        "",
        head,
        "|---" * (len(ratios) + 1) + "|",
    ]

    def line(label: str, key: str, digits: int = 0) -> str:
        cells = [_num(r[key], digits) if r.get(key) is not None else "-" for r in ratios]
        return f"| {label} | " + " | ".join(cells) + " |"

    rows += [
        line("floor calls/s (`grpc.aio`, uvloop)", "floor_rps"),
        line("sidecar calls/s", "sidecar_rps"),
        line("sync floor calls/s (`grpc.server`)", "sync_floor_rps"),
        line("floor p99 (ms)", "floor_p99_ms", 2),
        line("sidecar p99 (ms)", "sidecar_p99_ms", 2),
        line("floor CPU per call (µs)", "floor_cpu_us_per_call"),
        line("sidecar CPU per call (µs)", "sidecar_cpu_us_per_call"),
    ]
    return rows


def _login_table(d: dict[str, Any]) -> list[str]:
    logins = [p for p in d.get("login") or [] if p["target"] == "sidecar"]
    if not logins:
        return []
    rows = [
        "`Login` (R3 and M1 each 50 ms upstream, a new user every call):",
        "",
        "| in flight | " + " | ".join(str(p["concurrency"]) for p in logins) + " |",
        "|---" * (len(logins) + 1) + "|",
        "| logins/s | " + " | ".join(_num(p["rps"]) for p in logins) + " |",
        "| ideal | " + " | ".join(_num(p["ideal_rps"], 0) for p in logins) + " |",
        "| p50 (ms) | " + " | ".join(_num(p["p50_ms"], 0) for p in logins) + " |",
        "| sidecar CPU per login (ms) | "
        + " | ".join(_num(p["cpu_us_per_call"] / 1000, 2) for p in logins)
        + " |",
        "| sidecar CPU (cores) | "
        + " | ".join(_num(p["sidecar_cpu_share"], 2) for p in logins)
        + " |",
    ]
    return rows


def _fairness_table(d: dict[str, Any]) -> list[str]:
    fair = d.get("fairness") or []
    if not fair:
        return []
    rows = [
        "Fairness: one app floods `Login` at 512 in flight; another app asks `GetLoggedInUser`",
        "one call at a time:",
        "",
        "| listeners | per-app in-flight limit | other app p99 alone (ms) | other app p50 / p99 "
        "under the flood (ms) | flood answers/s |",
        "|---|---|---|---|---|",
    ]
    for f in fair:
        rows.append(
            f"| {f['listener']} | {f['in_flight_limit']} | {f['alone_p99_ms']:.2f} | "
            f"{f['other_app_p50_ms']:.2f} / {f['other_app_p99_ms']:.2f} | "
            f"{_num(f['flood_answered_per_s'], 0)} |"
        )
    return rows


def _tracing_table(d: dict[str, Any]) -> list[str]:
    t = d.get("tracing")
    if not t:
        return []
    get, login = t["get_logged_in_user_cpu_us_per_call"], t["login_cpu_ms_per_call"]
    names = list(get)
    off = names[0]
    rows = [
        f"Tracing (median of {t['rounds']} rounds, {t['concurrency']} in flight):",
        "",
        "| | " + " | ".join(f"`{n}`" for n in names) + " |",
        "|---" * (len(names) + 1) + "|",
        "| `GetLoggedInUser`, CPU µs per call | "
        + " | ".join(
            _num(get[n], 0) + ("" if n == off else f" ({get[n] / get[off] - 1:+.0%})")
            for n in names
        )
        + " |",
        "| `Login`, CPU ms per call | "
        + " | ".join(
            _num(login[n], 2) + ("" if n == off else f" ({login[n] / login[off] - 1:+.0%})")
            for n in names
        )
        + " |",
    ]
    return rows


def render(d: dict[str, Any]) -> str:
    m = d.get("machine", {})
    dates = sorted(set((d.get("dates") or {}).values()))
    when = ", ".join(dates) if dates else "unknown"
    lines = [
        f"Run of {when} on {m.get('cores', '?')} cores ({m.get('cpu', '?')}), Python "
        f"{m.get('python', '?')}, grpcio {m.get('grpcio', '?')}, servers on the "
        f"{m.get('server_environment', 'development')} environment:",
        "",
    ]
    for block in (
        _targets(d),
        _get_table(d),
        _login_table(d),
        _fairness_table(d),
        _tracing_table(d),
    ):
        if block:
            lines += [*block, ""]
    return "\n".join(lines).rstrip() + "\n"


def readme_block(readme: str) -> str:
    """The text between the markers (raises ValueError when they are missing)."""
    start = readme.index(BEGIN) + len(BEGIN)
    return readme[start : readme.index(END, start)].strip("\n") + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="update README.md's block")
    args = parser.parse_args(argv)
    text = render(json.loads(LATEST.read_text()))
    if not args.write:
        sys.stdout.write(text)
        return 0
    readme = README.read_text()
    start = readme.index(BEGIN) + len(BEGIN)
    end = readme.index(END, start)
    README.write_text(readme[:start] + "\n" + text + readme[end:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
