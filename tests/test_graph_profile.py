"""Colouring by a real per-layer profile (PERF_COUNT on CPU), the FP32-vs-FP16 ratio, the
runtime graph linked both ways, the inspector's contents, and the `graph` CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.cli import main
from core.graph import colour_scene, graph_from_file, lay_out
from core.graph.colour import FUSED, NO_TIME, NOT_EXECUTED
from core.graph.export import export_png, export_svg
from core.graph.inspect import inspect_node
from core.graph.profile import attribute_layers, total_ms, unattributed_ms
from core.precision import device_compute
from core.graph.runtime import link, runtime_graph, runtime_summary_for_ir
from tests.graph_support import convert_light, fp16_from, profile_rows


@pytest.fixture(autouse=True)
def _isolated(workspace: Path) -> None:
    """Layout and runtime-graph caches live in the workspace: one per test."""


@pytest.fixture(scope="module")
def densenet(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("densenet")
    fp32 = convert_light("light_densenet121", folder)
    fp16 = fp16_from(fp32, folder)
    return {"xml": fp32, "rows": profile_rows(fp32), "fp16_xml": fp16, "fp16_rows": profile_rows(fp16)}


def test_profile_times_land_on_the_ir_nodes_that_own_them(densenet: dict) -> None:
    rows = densenet["rows"]
    attribution = attribute_layers(rows)
    graph = graph_from_file(densenet["xml"])
    owners = {name: e for name, e in attribution.items() if e["role"] == "owner"}
    fused = {name: e for name, e in attribution.items() if e["role"] == "fused"}
    assert owners and fused
    # every executed runtime layer with original layers has exactly one owner; times add up
    executed = [r for r in rows if r["status"] == "executed" and r["original_layers"]]
    assert sum(e["time_ms"] for e in owners.values()) == pytest.approx(sum(r["real_ms"] for r in executed), rel=1e-6)
    assert total_ms(rows) == pytest.approx(sum(r["real_ms"] for r in executed) + unattributed_ms(rows), rel=1e-6)
    assert all(graph.by_name(name) for name in owners)  # owners are real IR node names
    # a fused node points at a layer whose owner carries the time
    name, entry = next(iter(fused.items()))
    assert attribution[entry["fused_into"]]["role"] == "owner"


def test_colour_by_time_marks_fused_and_not_executed_nodes(densenet: dict) -> None:
    scene = lay_out(graph_from_file(densenet["xml"]))
    colouring = colour_scene(scene, "time", densenet["rows"])
    assert colouring.mode == "continuous" and colouring.cmin < colouring.cmax  # log10(ms) scale
    assert colouring.ticktext and all(t.endswith("s") for t in colouring.ticktext)
    convs = [n.id for n in scene.view.nodes if n.type == "Convolution"]
    assert all(c in colouring.values for c in convs)  # every convolution has its own time
    marks = set(colouring.categories.values())
    assert FUSED in marks and NOT_EXECUTED in marks  # BN-folded Adds / Relus; the Parameter
    slowest = max(colouring.values, key=colouring.values.get)
    assert scene.graph.node(slowest).type == "Convolution"
    assert "ms (" in colouring.text[slowest]
    # blocks sum their members' times
    collapsed = lay_out(scene.graph, collapse=True)
    block_colours = colour_scene(collapsed, "time", densenet["rows"])
    blocks = [n.id for n in collapsed.view.nodes if n.type == "Block"]
    assert blocks and all(b in block_colours.values and "ms (" in block_colours.text[b] for b in blocks)


def test_ratio_between_fp32_and_fp16_variants_is_painted_per_node(densenet: dict) -> None:
    scene = lay_out(graph_from_file(densenet["fp16_xml"]))
    colouring = colour_scene(scene, "ratio", densenet["fp16_rows"], densenet["rows"], "FP32")
    assert colouring.summary["compared_nodes"] > 180  # every timed node has its counterpart (same names)
    assert NO_TIME not in set(colouring.categories.values())
    assert colouring.tickvals == [-3, -2, -1, 0, 1, 2, 3] and colouring.ticktext[3] == "1×"
    some = next(iter(colouring.values))
    assert "× the baseline's time" in colouring.text[some]
    # FP16 runs as FP32 on this CPU: the typical node is neither much faster nor slower
    values = sorted(colouring.values.values())
    assert -1.0 < values[len(values) // 2] < 1.0


def test_runtime_graph_links_both_ways_and_the_inspector_shows_it(densenet: dict) -> None:
    ir = graph_from_file(densenet["xml"])
    rt = runtime_graph(densenet["xml"])
    assert rt.kind == "runtime" and any(n.type == "Convolution" for n in rt.nodes)
    ir_to_rt, rt_to_ir = link(ir, rt)
    conv = next(n for n in ir.nodes if n.type == "Convolution")  # the stem
    kernel = rt.node(ir_to_rt[conv.id][0])
    assert conv.id in rt_to_ir[kernel.id] and conv.name in kernel.runtime["original_layers"]
    assert runtime_graph(densenet["xml"]).nodes[0].name == rt.nodes[0].name  # cached copy
    scene = lay_out(ir)
    details = inspect_node(ir, scene.view, conv.id, attribute_layers(densenet["rows"]), total_ms(densenet["rows"]),
                           runtime_summary_for_ir(ir, rt))
    assert details["type"] == "Convolution" and details["attributes"]["strides"] == [2, 2]
    assert [i["shape"] for i in details["inputs"]] == ["[1,3,224,224]", "[64,3,7,7]"]
    weights = details["weights"][0]
    assert weights["chain"] == "Constant" and weights["constants"][0]["shape"] == [64, 3, 7, 7]
    assert {"min", "max", "mean", "std", "sparsity", "size_bytes"} <= set(weights["constants"][0])
    assert details["profile"]["role"] == "owner" and details["profile"]["time_ms"] > 0 and 0 < details["profile"]["share"] < 1
    # the runtime graph is compiled with the device's defaults: its precision is what the device reports
    assert details["runtime"]["runtime_precision"] == device_compute("CPU")["default"] and details["runtime"]["kernels"]
    runtime_scene = lay_out(rt)
    colouring = colour_scene(runtime_scene, "time", densenet["rows"])
    assert colouring.summary["timed_nodes"] > 100


def test_cli_prints_nodes_edges_positions_metrics_and_writes_svg_png(densenet: dict, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps({"layers": densenet["rows"]}))
    svg, png = tmp_path / "g.svg", tmp_path / "g.png"
    code = main(["graph", str(densenet["xml"]), "--profile-json", str(profile), "--svg", str(svg), "--png", str(png), "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["nodes"]) == 491 and len(data["edges"]) == 548 and data["colour_by"] == "Time per layer (ms)"
    conv = next(n for n in data["nodes"] if n["type"] == "Convolution")
    assert conv["type"] == "Convolution" and conv["outputs"][0]["shape"] == "[1,64,112,112]" and conv["precision"] == "f32"
    assert set(conv["position"]) == {"x", "y"} and conv["metrics"]["time_ms"] > 0
    assert conv["folded_inputs"][0]["weights"][0]["shape"] == [64, 3, 7, 7]
    assert svg.read_bytes().lstrip().startswith(b"<?xml") and conv["name"].encode() in svg.read_bytes()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_rejects_a_bad_profile_and_a_missing_model(tmp_path: Path, densenet: dict, capsys) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"fps": 3}))
    assert main(["graph", str(densenet["xml"]), "--profile-json", str(bad)]) == 2
    assert "not a per-layer profile" in capsys.readouterr().err
    assert main(["graph", str(tmp_path / "missing.xml"), "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["error"].startswith("There is no model file")
    assert main(["graph", str(densenet["xml"]), "--colour", "time"]) == 2
    assert "needs a per-layer profile" in capsys.readouterr().err


def test_exports_without_graphviz_fall_back_to_our_own_drawing(densenet: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    scene = lay_out(graph_from_file(densenet["xml"]), engine="python", collapse=True)
    colouring = colour_scene(scene, "type")
    monkeypatch.setenv("PATH", "/nonexistent")  # no `dot` on PATH: the real fallback code runs
    svg = export_svg(scene.view, scene.layout, colouring, scene.graph)
    assert svg.startswith(b"<svg") and svg.count(b"<rect") == len(scene.view.nodes)
    assert export_png(scene.view, scene.layout, colouring, scene.graph)[:4] == b"\x89PNG"


@pytest.mark.slow
def test_int8_speed_up_is_painted_on_the_quantized_graph(tmp_path: Path) -> None:
    """A real NNCF INT8 ResNet-50 against its FP32 parent: most convolutions get faster."""
    import nncf
    import numpy as np
    import openvino as ov

    fp32 = convert_light("light_resnet50", tmp_path)
    samples = [np.random.default_rng(i).random((1, 3, 224, 224), dtype=np.float32) for i in range(2)]
    int8_model = nncf.quantize(ov.Core().read_model(str(fp32)), nncf.Dataset(samples), subset_size=2)
    int8 = tmp_path / "resnet50-int8.xml"
    ov.save_model(int8_model, str(int8))
    scene = lay_out(graph_from_file(int8))
    int8_rows = profile_rows(int8)
    colouring = colour_scene(scene, "ratio", int8_rows, profile_rows(fp32), "FP32")
    convs = [n.id for n in scene.view.nodes if n.type == "Convolution"]
    assert all(c in colouring.values for c in convs)  # every convolution compared by name
    assert colouring.summary["faster_nodes"] > colouring.summary["slower_nodes"]
    precision = colour_scene(scene, "precision", int8_rows)
    assert {precision.categories[c] for c in convs} == {"u8"}  # the kernels really run in INT8
