"""`python -m core graph MODEL.xml [--profile ID | --profile-json FILE] [--diff OTHER.xml] [--json] [--svg OUT.svg]`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from core.analysis.results import load_layer_error_rows
from core.commands import add_command
from core.errors import UserError
from core.graph.api import COLOUR_MODES, colour_scene, lay_out
from core.graph.diff import diff_graphs
from core.graph.export import export_png, export_svg, graph_json
from core.graph.extract import graph_from_file
from core.graph.profile import attribute_layers, load_profile_file, load_profile_result
from core.graph.runtime import runtime_graph
from core.graph.search import find_in_view
from core.graph.svg import standalone_svg
from core.variants import get_variant, variant_xml


def _model_path(text: str) -> Path:
    path = Path(text)
    if path.is_file() or not text.isdigit():
        return path
    return variant_xml(get_variant(int(text)))  # a variant id works too


def _profile(result_id: int | None, json_file: str | None) -> list[dict[str, Any]] | None:
    if result_id is not None and json_file:
        raise UserError("Give either --profile or --profile-json, not both.")
    if result_id is not None:
        return load_profile_result(result_id)[0]
    return load_profile_file(json_file) if json_file else None


def _diff(args: argparse.Namespace, path: Path) -> dict[str, Any]:
    """`graph A --diff B`: what B added, removed or changed relative to A (B is drawn)."""
    other = _model_path(args.diff)
    graph_a, graph_b = graph_from_file(path), graph_from_file(other)
    diff = diff_graphs(graph_a, graph_b)
    written = {}
    if args.svg:
        scene = lay_out(graph_b, fold=not args.no_fold, collapse=args.collapse, engine=args.engine)
        colouring = colour_scene(scene, "diff", diff=diff, baseline_label=path.stem)
        Path(args.svg).write_bytes(standalone_svg(graph_b, scene.view, scene.layout, colouring))
        written["svg"] = args.svg
    if args.json:
        return {"a": str(path), "b": str(other), **{k: v for k, v in diff.items() if k not in ("a", "b")}, "written": written}
    return {"a": str(path), "b": str(other), **diff["summary"],
            "changed_examples": [f"{c['type']} {c['name']}: " + "; ".join(f"{x['what']} {x['a']} → {x['b']}" for x in c["changes"][:2])
                                 for c in diff["changed"][:10]],
            **({"written": written} if written else {})}


def run(args: argparse.Namespace) -> dict[str, Any]:
    path = _model_path(args.model)
    if args.diff:
        return _diff(args, path)
    if args.runtime:
        graph = runtime_graph(path, args.device)
    else:
        graph = graph_from_file(path)
    profile = _profile(args.profile, args.profile_json)
    baseline = _profile(args.baseline_profile, args.baseline_json)
    layer_error = None
    if args.layer_error is not None:
        layer_error = load_layer_error_rows(args.layer_error)
    mode = args.colour or ("error" if layer_error else "ratio" if baseline else "time" if profile else "type")
    scene = lay_out(graph, fold=not args.no_fold, collapse=args.collapse, engine=args.engine)
    colouring = colour_scene(scene, mode, profile, baseline, "baseline", layer_error=layer_error)
    written = {}
    if args.svg:
        Path(args.svg).write_bytes(export_svg(scene.view, scene.layout, colouring, graph))
        written["svg"] = args.svg
    if args.png:
        Path(args.png).write_bytes(export_png(scene.view, scene.layout, colouring, graph))
        written["png"] = args.png
    data = graph_json(graph, scene.view, scene.layout, colouring,
                      attribute_layers(profile) if profile and not args.runtime else None)
    data["written"] = written
    data["timings_s"] = {k: round(v, 3) for k, v in scene.timings.items()}
    if args.find:
        data["found"] = find_in_view(graph, scene.view, args.find)
    if args.json:
        return data
    summary: dict[str, Any] = {
        "model": str(path),
        "graph": f"{graph.kind}: {len(graph.nodes)} nodes, {len(scene.view.nodes)} shown, {len(scene.view.edges)} edges",
        "layout": f"{scene.layout.engine} in {scene.layout.seconds:.2f} s" + (" (cached)" if scene.layout.cached else ""),
        "colour_by": colouring.title,
        **({"found": data["found"][:20]} if args.find else {}),
        **({"written": written} if written else {}),
    }
    timed = sorted((n for n in data["nodes"] if (n.get("metrics") or {}).get("time_ms")),
                   key=lambda n: -n["metrics"]["time_ms"])[:10]
    if timed:
        summary["slowest"] = [f"{n['metrics']['time_ms']:.3f} ms  {n['type']}  {n.get('name', n['label'])}" for n in timed]
    return summary


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "graph", "the model graph with layout, colours and metrics (JSON, SVG, PNG)", run)
    parser.add_argument("model", help="IR .xml (or any model file OpenVINO reads, or a variant id)")
    parser.add_argument("--profile", type=int, help="id of a stored profile result of this model")
    parser.add_argument("--profile-json", help="profile JSON file (output of `python -m core profile --json`)")
    parser.add_argument("--baseline-profile", type=int, help="profile result of the variant to compare with (ratio)")
    parser.add_argument("--baseline-json", help="profile JSON file of the variant to compare with")
    parser.add_argument("--layer-error", type=int, help="id of a stored layer-error analysis of this variant (colour: error)")
    parser.add_argument("--colour", choices=list(COLOUR_MODES), help="colour nodes by (default: time when profiled)")
    parser.add_argument("--no-fold", action="store_true", help="show Constants/Converts as nodes")
    parser.add_argument("--collapse", action="store_true", help="collapse repeated blocks")
    parser.add_argument("--runtime", action="store_true", help="the runtime (executed) graph instead of the IR")
    parser.add_argument("-d", "--device", default="CPU", help="device for --runtime (CPU)")
    parser.add_argument("--engine", choices=["auto", "dot", "python"], default="auto", help="layout engine")
    parser.add_argument("--find", help="name, type or shape to look for (type:Conv, shape:1x64x56x56)")
    parser.add_argument("--diff", help="a second model (IR, file or variant id): what it added, removed or changed vs MODEL")
    parser.add_argument("--svg", help="write the drawing as SVG here")
    parser.add_argument("--png", help="write the drawing as PNG here")
