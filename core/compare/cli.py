"""`python -m core compare RESULT_ID... [--baseline ID] [--html OUT.html] [--csv OUT.csv] [--json]`.

Benchmark ids go into the table; two profile ids among them (first = A, second = B) add the
per-layer comparison. Without --json the command prints the table and the recommendation.
Every result names its weight and compute precision; `missing_runs` lists the runs that would
make the comparison like for like (e.g. FP32 with f32 compute on a bf16-default CPU), each with
the exact command.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from core.commands import add_command
from core.compare.comparison import LATENCY_STATS, Limits, build_comparison
from core.compare.report import to_csv, to_html
from core.compare.selection import PROFILE_KIND, result_kinds
from core.errors import UserError


def split_ids(result_ids: list[int]) -> tuple[list[int], tuple[int, int] | None]:
    """(benchmark ids, (profile A, profile B) or None) from a mixed list."""
    kinds = result_kinds(result_ids)
    missing = [rid for rid in result_ids if rid not in kinds]
    if missing:
        raise UserError(f"There is no result {', '.join(f'#{m}' for m in missing)}.",
                        "List them with `python -m core results`.")
    profiles = [rid for rid in result_ids if kinds[rid] == PROFILE_KIND]
    if len(profiles) not in (0, 2):
        raise UserError(f"Give exactly two profile results for the per-layer comparison, not {len(profiles)}.",
                        "The first is A (e.g. FP32), the second B (e.g. INT8).")
    benchmarks = [rid for rid in result_ids if kinds[rid] != PROFILE_KIND]
    return benchmarks, (profiles[0], profiles[1]) if profiles else None


def _write(path: str, text: str) -> str:
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"Cannot write {target}: {exc.strerror}.", "Choose a writable path.") from exc
    return str(target.resolve())


def _compare(args: argparse.Namespace) -> Any:
    benchmarks, profiles = split_ids(args.result_ids)
    limits = Limits(args.max_latency, args.min_accuracy / 100 if args.min_accuracy is not None else None,
                    args.latency_stat)
    doc = build_comparison(benchmarks, args.baseline, limits, profiles)
    written = {}
    if args.html:
        written["html"] = _write(args.html, to_html(doc))
    if args.csv:
        written["csv"] = _write(args.csv, to_csv(doc))
    if args.json:
        return {**doc, "written": written}
    summary: dict[str, Any] = {
        "recommendation": doc["recommendation"]["text"],
        "baseline": doc["baseline_id"],
        "results": [
            {"id": row["result_id"], "what": row["label"], "target": row["target"], "precision": row["precision_label"],
             "weights": row["weight_precision"], "compute": row["compute_precision"],
             "fps": round(row["throughput_fps"] or 0, 2),
             f"{limits.latency_stat}_ms": (row["latency_ms"] or {}).get(limits.latency_stat),
             "speedup": row["ratios"]["speedup"], "cross_machine": row["ratios"]["cross_machine"],
             "like_for_like": row["like_for_like"]["is_like_for_like"],
             "like_for_like_speedup": row["like_for_like"]["speedup"],
             "like_for_like_reference": row["like_for_like"]["reference_id"], "noisy": row["noisy"],
             "size_reduction": row["ratios"]["size_reduction"],
             "accuracy_change_pts": row["ratios"]["accuracy_change_pts"], "on_front": row["on_front"],
             "breaks": row["violations"]}
            for row in doc["rows"]
        ],
        "warnings": doc["warnings"],
        "missing_runs": [{"what": run["what"], "device": run["device"], "host": run.get("host", ""), "why": run["why"], "command": run["command"]}
                         for run in doc["missing_runs"]],
    }
    if doc["layers"]:
        summary["layers"] = {k: doc["layers"][k] for k in ("total_a_ms", "total_b_ms", "total_ratio",
                                                            "only_a_ir_layers", "only_b_ir_layers")}
    if written:
        summary["written"] = written
    return summary


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "compare", "compare benchmark results side by side; export an HTML/CSV report",
                         _compare)
    parser.add_argument("result_ids", type=int, nargs="+", metavar="RESULT_ID",
                        help="benchmark result ids (plus optionally two profile ids for the per-layer comparison)")
    parser.add_argument("--baseline", type=int, help="result id the ratios refer to (default: the first)")
    parser.add_argument("--html", metavar="OUT.html", help="write the self-contained HTML report here")
    parser.add_argument("--csv", metavar="OUT.csv", help="write the table as CSV here")
    parser.add_argument("--max-latency", type=float, metavar="MS", help="latency limit in ms")
    parser.add_argument("--min-accuracy", type=float, metavar="PERCENT", help="accuracy limit in percent")
    parser.add_argument("--latency-stat", choices=LATENCY_STATS, default="median",
                        help="which latency the limit applies to (median)")
