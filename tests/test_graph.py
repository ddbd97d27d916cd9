"""Graph extraction, folding, repeated blocks, layout, search and the drawing (SVG), on real
architectures (DenseNet-121, ResNet-50, Inception-v2 from the onnx wheel's model zoo files)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from core.graph import colour_scene, graph_from_file, lay_out
from core.graph.blocks import cut_positions
from core.graph.inspect import inspect_node
from core.graph.layout import layout_graph
from core.graph.search import find_in_view, find_nodes
from core.graph.svg import build_svg, fills, legend
from tests.graph_support import LIGHT, convert_light


@pytest.fixture(autouse=True)
def _isolated(workspace: Path) -> None:
    """Layouts are cached in the workspace: keep each test's cache in its own."""


@pytest.fixture(scope="module")
def irs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("irs")
    return {name: convert_light(f"light_{name}", folder) for name in ("densenet121", "resnet50")}


def test_extraction_keeps_every_op_with_shapes_types_attributes_and_weight_stats(irs: dict[str, Path]) -> None:
    graph = graph_from_file(irs["densenet121"])
    assert len(graph.nodes) == 797 and graph.info["op_count"] == 489
    conv = next(n for n in graph.nodes if n.type == "Convolution")  # the stem (its name is generated)
    assert conv.type == "Convolution" and conv.opset == "opset1"
    assert conv.attributes["strides"] == [2, 2] and conv.attributes["pads_begin"] == [3, 3]
    assert [i["shape"] for i in conv.inputs] == ["[1,3,224,224]", "[64,3,7,7]"]
    assert conv.outputs == [{"port": 0, "shape": "[1,64,112,112]", "element_type": "f32"}]
    weights = graph.node(conv.inputs[1]["source"]).weights
    assert weights["shape"] == [64, 3, 7, 7] and weights["size_bytes"] == 64 * 3 * 7 * 7 * 4
    assert weights["min"] <= weights["mean"] <= weights["max"] and weights["std"] > 0
    assert 0.0 <= weights["sparsity"] <= 1.0
    # every edge joins two known nodes, in topological order
    order = {n.id: i for i, n in enumerate(graph.nodes)}
    assert all(order[e.source] < order[e.target] for e in graph.edges)


def test_the_raw_onnx_densenet_has_thousands_of_nodes_and_folding_hides_the_weight_generators() -> None:
    graph = graph_from_file(LIGHT / "light_densenet121.onnx")  # read without conversion: 3,690 ops
    assert len(graph.nodes) == 3690
    folded = lay_out(graph, fold=True)
    shown = lay_out(graph, fold=False)
    assert len(shown.view.nodes) == 3690 and len(folded.view.nodes) == 681
    assert "Constant" not in {n.type for n in folded.view.nodes}
    assert sum(n.type == "Broadcast" for n in folded.view.nodes) == 1  # of 837: one depends on a runtime shape
    # positions for every node, inside the drawing
    for scene in (folded, shown):
        assert set(scene.layout.positions) == {n.id for n in scene.view.nodes}
        assert all(0 <= x <= scene.layout.width + 1e-6 and 0 <= y <= scene.layout.height + 1e-6
                   for x, y in scene.layout.positions.values())


def test_blocks_find_densenet_and_resnet_stages(irs: dict[str, Path]) -> None:
    dense = lay_out(graph_from_file(irs["densenet121"]), collapse=True)
    assert [b.repeats for b in dense.view.blocks] == [6, 12, 24, 16]  # DenseNet-121's dense blocks
    assert len(dense.view.nodes) == 31
    resnet = lay_out(graph_from_file(irs["resnet50"]), collapse=True)
    assert [b.repeats for b in resnet.view.blocks][:3] == [2, 3, 5]  # stages after their downsampling block
    block = resnet.view.blocks[0]
    expanded = lay_out(resnet.graph, collapse=True, expanded={block.id})
    assert block.id not in {n.id for n in expanded.view.nodes}
    assert len(expanded.view.nodes) == len(resnet.view.nodes) - 1 + len(block.members)
    details = inspect_node(resnet.graph, resnet.view, block.id)
    assert details["kind"] == "block" and details["repeats"] == 2 and details["types"]["Convolution"] == 6


def test_cut_nodes_split_a_residual_chain() -> None:
    # a -> b -> c -> d with a skip a -> c: b is jumped over, a, c, d are cut nodes
    assert cut_positions(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("a", "c"), ("c", "d")]) == [0, 2, 3]


def test_layout_is_layered_cached_and_the_python_fallback_agrees_on_direction(irs: dict[str, Path]) -> None:
    scene = lay_out(graph_from_file(irs["resnet50"]))
    ids = [n.id for n in scene.view.nodes]
    for engine in ("dot", "python"):
        layout = layout_graph(ids, scene.view.edges, engine=engine, use_cache=False)
        assert layout.engine == engine
        # data flows down: every edge goes to a lower row
        assert all(layout.positions[a][1] < layout.positions[b][1] for a, b in scene.view.edges)
        assert len(layout.edge_paths) == len(scene.view.edges)
    started = time.perf_counter()
    again = layout_graph(ids, scene.view.edges)  # the page's second visit: from the disk cache
    assert not scene.layout.cached and again.cached and time.perf_counter() - started < 0.5
    assert again.positions == scene.layout.positions


def test_big_graph_is_laid_out_in_chunks_that_join_at_cut_nodes() -> None:
    from benchmarks.graph import synthetic_model
    from core.graph.extract import extract_graph

    graph = extract_graph(synthetic_model(2000))
    started = time.perf_counter()
    scene = lay_out(graph, use_cache=False)
    drawing = build_svg(graph, scene.view, scene.layout)
    elapsed = time.perf_counter() - started
    assert len(scene.view.nodes) > 1900 and scene.layout.engine == "dot"
    assert all(scene.layout.positions[a][1] < scene.layout.positions[b][1] for a, b in scene.view.edges)
    assert elapsed < 10  # target 2 s (benchmarks/graph.py); generous here: the machine is shared
    assert drawing["svg"].count(' data-id="') == len(scene.view.nodes)


def test_search_by_name_type_and_shape_maps_to_view_nodes(irs: dict[str, Path]) -> None:
    graph = graph_from_file(irs["densenet121"])
    scene = lay_out(graph, collapse=True)
    assert graph.node(find_nodes(graph, "n292")[0]).name == "n292"  # exact name first, before n2920...
    convs = find_nodes(graph, "type:Convolution")
    assert len(convs) == 121 and all(graph.node(i).type == "Convolution" for i in convs)
    by_shape = find_nodes(graph, "1x64x112x112")
    assert by_shape and all(graph.node(i).output_shape == "[1,64,112,112]" for i in by_shape)
    # a folded weight is found through its consumer; a node in a collapsed block through the block
    stem = next(n for n in graph.nodes if n.type == "Convolution")
    weight = graph.node(stem.inputs[1]["source"])
    assert find_in_view(graph, scene.view, f"name:{weight.name}") == [stem.id]
    in_blocks = find_in_view(graph, scene.view, "type:Concat")
    assert in_blocks and all(v.startswith("block_") for v in in_blocks)


def test_drawing_has_clickable_nodes_with_ids_a_legend_and_fills(irs: dict[str, Path]) -> None:
    """Centring on a match is the browser's job now (tests/e2e); here: ids, legend, colours."""
    graph = graph_from_file(irs["densenet121"])
    scene = lay_out(graph)
    match = find_in_view(graph, scene.view, "n292")[0]
    colouring = colour_scene(scene, "type")
    svg = build_svg(graph, scene.view, scene.layout)["svg"]
    items = {i["label"] for i in legend(colouring, scene.view)["items"]}
    assert items >= {"Convolution", "Relu", "Concat", "Parameter"}
    ids = re.findall(r'data-id="([^"]+)"', svg)
    assert sorted(ids) == sorted(n.id for n in scene.view.nodes) and match in ids
    assert set(fills(scene.view, colouring)) == set(ids)


def test_svg_and_png_export_keep_a_non_ascii_name_with_quotes_as_text(workspace: Path, tmp_path: Path) -> None:
    """DOT labels went through json.dumps: "свёртка" came out as `\\u0441…` in the drawing, and a `"` or
    `\\` in a name could break the DOT source. The export must carry the name itself."""
    import os
    import subprocess
    import sys

    import numpy as np
    import openvino as ov
    import openvino.opset13 as ops

    name = 'свёртка/卷积"q\\x'
    param = ops.parameter([1, 3, 4, 4], np.float32, name="input")
    conv = ops.convolution(param, ops.constant(np.ones((2, 3, 1, 1), np.float32)), [1, 1], [0, 0], [0, 0], [1, 1])
    conv.set_friendly_name(name)
    relu = ops.relu(conv)
    relu.set_friendly_name("relu")
    xml = tmp_path / "unicode.xml"
    ov.save_model(ov.Model([ops.result(relu)], [param], "unicode"), xml)
    svg, png = tmp_path / "out.svg", tmp_path / "out.png"
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-m", "core", "graph", str(xml), "--svg", str(svg), "--png", str(png)],
                          cwd=root, env=os.environ.copy(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    text = svg.read_text(encoding="utf-8")
    assert "\\u04" not in text and "\\u5" not in text  # no JSON escapes drawn as text
    # SVG escapes the quote as &quot; (or leaves it); either way the whole name is there as text.
    import html as html_mod

    assert name in html_mod.unescape(text), text[:2000]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 500


def test_dot_quote_escapes_quotes_and_backslashes_and_keeps_utf8() -> None:
    from core.graph.layout import dot_quote

    assert dot_quote('a"b\\c\nд') == '"a\\"b\\\\c\\nд"'
