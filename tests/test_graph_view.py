"""The drawing (core/graph/svg.py) and the diff of two variants (core/graph/diff.py), on real
models: a MobileNetV2-like IR, its NNCF INT8 variant, and a renamed copy (a second conversion)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from core.cli import main
from core.graph import colour_scene, graph_from_file, lay_out
from core.graph.diff import diff_graphs, summary_rows
from core.graph.model import Graph
from core.graph.svg import build_svg, fills, key_attributes, legend, standalone_svg
from tests.graph_support import int8_from, mobilenet_v2_ir


@pytest.fixture(autouse=True)
def _isolated(workspace: Path) -> None:
    """Layouts are cached in the workspace: one per test."""


@pytest.fixture(scope="module")
def irs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("mnv2")
    fp32 = mobilenet_v2_ir(folder)
    return {"fp32": fp32, "int8": int8_from(fp32, folder)}


def _renamed(graph: Graph) -> Graph:
    """The same network with every name changed, as a second converter would name it."""
    data = graph.to_dict()
    for index, node in enumerate(data["nodes"]):
        node["name"] = f"other_{index}"
    return Graph.from_dict(data)


def test_svg_has_every_node_with_type_key_attributes_and_shapes(irs: dict[str, Path]) -> None:
    graph = graph_from_file(irs["fp32"])
    scene = lay_out(graph)
    drawing = build_svg(graph, scene.view, scene.layout)
    root = ET.fromstring(drawing["svg"])  # well-formed: names are escaped
    ns = {"s": "http://www.w3.org/2000/svg"}
    groups = root.findall(".//s:g[@class='node']", ns) + root.findall(".//s:g[@class='node block']", ns)
    assert sorted(g.get("data-id") for g in groups) == sorted(n.id for n in scene.view.nodes)
    assert len(root.findall(".//s:path[@class='edge']", ns)) == len(scene.view.edges)
    stem = next(n for n in graph.nodes if n.type == "Convolution")
    assert key_attributes(stem) == "3×3 /2 32 ch"
    depthwise = next(n for n in graph.nodes if n.type == "GroupConvolution")
    assert key_attributes(depthwise) == "3×3 g32 32 ch"
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "3×3 /2 32 ch" in texts and "[1,32,112,112]" in texts  # attributes on the box, shape under it
    assert drawing["width"] > 0 and drawing["height"] > drawing["width"]  # flows top to bottom


def test_svg_escapes_names_from_the_model(irs: dict[str, Path]) -> None:
    graph = graph_from_file(irs["fp32"])
    next(n for n in graph.nodes if n.type == "Convolution").name = '<script>alert(1)</script>&"'
    scene = lay_out(graph)
    svg = build_svg(graph, scene.view, scene.layout)["svg"]
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    ET.fromstring(svg)


def test_standalone_export_has_every_node_filled_and_a_legend_for_the_ratio(irs: dict[str, Path]) -> None:
    graph = graph_from_file(irs["fp32"])
    scene = lay_out(graph, collapse=True)
    colouring = colour_scene(scene, "type")
    data = standalone_svg(graph, scene.view, scene.layout, colouring)
    root = ET.fromstring(data)
    filled = {g.get("data-id"): g.get("fill") for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("data-id")}
    assert set(filled) == {n.id for n in scene.view.nodes} and all(f and f.startswith("#") for f in filled.values())
    assert any(n.type == "Block" for n in scene.view.nodes)
    colours = fills(scene.view, colouring)
    assert colours == {k: colouring.colour_of(k) for k in colours}
    items = legend(colouring, scene.view)["items"]
    assert sum(i["count"] for i in items) == len(scene.view.nodes)


def test_diff_of_fp32_and_int8_marks_inserted_fake_quantize_and_quantized_weights(irs: dict[str, Path]) -> None:
    fp32, int8 = graph_from_file(irs["fp32"]), graph_from_file(irs["int8"])
    diff = diff_graphs(fp32, int8)
    summary = diff["summary"]
    assert summary["removed"] == 0 and summary["matched_by_structure"] == 0  # NNCF keeps every name
    fq = [n.id for n in int8.nodes if n.type == "FakeQuantize" and diff["status"].get(n.id)]
    assert fq and summary["added_types"] == {"FakeQuantize": len(fq)}
    assert all(diff["status"][i] == "added" for i in fq)
    convs = [n for n in int8.nodes if n.type in ("Convolution", "GroupConvolution")]
    changed = {c["id"]: c for c in diff["changed"]}
    assert all(diff["status"][c.id] == "changed" for c in convs)
    assert all(any(x["what"] == "weights" and "i8" in x["b"] for x in changed[c.id]["changes"]) for c in convs)
    assert any(row["change"] == "added" and row["op type"] == "FakeQuantize" for row in summary_rows(diff))
    # painted on the INT8 drawing
    scene = lay_out(int8)
    colouring = colour_scene(scene, "diff", diff=diff, baseline_label="FP32")
    assert {colouring.categories[i] for i in fq if i in colouring.categories} == {"added"}
    assert legend(colouring, scene.view)["title"] == "Changes vs FP32"


def test_diff_matches_by_structure_when_names_differ(irs: dict[str, Path]) -> None:
    fp32, int8 = graph_from_file(irs["fp32"]), graph_from_file(irs["int8"])
    same = diff_graphs(fp32, _renamed(fp32))
    assert same["summary"]["matched_by_name"] == 0
    assert same["summary"]["added"] == same["summary"]["removed"] == same["summary"]["changed"] == 0
    # INT8 under other names: the convolutions behind each new FakeQuantize still find their twin
    other = diff_graphs(fp32, _renamed(int8))
    assert other["summary"]["removed"] == 0 and other["summary"]["added_types"] == {"FakeQuantize": other["summary"]["added"]}
    for c in (n for n in fp32.nodes if n.type == "Convolution"):
        assert c.id in other["matches"].values()


def test_diff_cli_prints_json(irs: dict[str, Path], tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    svg = tmp_path / "diff.svg"
    assert main(["graph", str(irs["fp32"]), "--diff", str(irs["int8"]), "--svg", str(svg), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["added_types"]["FakeQuantize"] > 10 and data["summary"]["removed"] == 0
    assert {a["type"] for a in data["added"]} == {"FakeQuantize"} and data["changed"][0]["changes"]
    assert len(re.findall(r'data-id="', svg.read_text())) == len(lay_out(graph_from_file(irs["int8"])).view.nodes)
