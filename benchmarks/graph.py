"""How fast does the graph page show a big model? Layout + figure build per model size.

Builds real OpenVINO models of ~500, 1,000, 2,000 and 5,000 visible nodes (residual and
inception-style blocks, so the layout has branches and crossings to reduce), then times
each step of a page view: extraction (ov.Model → Graph), view (folding), layout (Graphviz
`dot`, uncached; and the pure-Python fallback), figure build (Plotly) and its JSON (what
Streamlit sends to the browser); medians of --repeats runs. Target: layout + figure under 2 s at 2,000 nodes.

    .venv/bin/python benchmarks/graph.py [--sizes 500,1000,2000,5000] [--python-layout] [--json out.json]

The machine is shared: the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def synthetic_model(target_nodes: int, channels: int = 8):  # type: ignore[no-untyped-def]
    """A network of residual and inception-style blocks with about `target_nodes` non-constant ops."""
    import openvino as ov
    import openvino.opset13 as ops

    rng = np.random.default_rng(0)

    def conv(x, out_channels: int, kernel: int, name: str):  # type: ignore[no-untyped-def]
        in_channels = x.get_output_partial_shape(0)[1].get_length()
        weights = ops.constant(rng.normal(0, 0.1, (out_channels, in_channels, kernel, kernel)).astype(np.float32))
        pad = kernel // 2
        y = ops.convolution(x, weights, [1, 1], [pad, pad], [pad, pad], [1, 1], name=name)
        bias = ops.constant(rng.normal(0, 0.1, (1, out_channels, 1, 1)).astype(np.float32))
        return ops.add(y, bias, name=f"{name}/bias")

    x = ops.parameter([1, channels, 16, 16], np.float32, name="input")
    current = x
    count, block = 1, 0
    while count < target_nodes - 6:
        name = f"block{block}"
        if block % 3 == 2:  # inception-style: three branches, concatenated, projected back
            branches = [ops.relu(conv(current, channels, k, f"{name}/b{k}"), name=f"{name}/b{k}/relu") for k in (1, 3, 5)]
            merged = ops.concat(branches, 1, name=f"{name}/concat")
            current = ops.relu(conv(merged, channels, 1, f"{name}/project"), name=f"{name}/out")
            count += 3 * 3 + 1 + 3
        else:  # residual bottleneck
            y = ops.relu(conv(current, channels, 1, f"{name}/conv1"), name=f"{name}/relu1")
            y = ops.relu(conv(y, channels, 3, f"{name}/conv2"), name=f"{name}/relu2")
            y = conv(y, channels, 1, f"{name}/conv3")
            current = ops.relu(ops.add(current, y, name=f"{name}/add"), name=f"{name}/out")
            count += 3 * 2 + 2 + 2
        block += 1
    pooled = ops.reduce_mean(current, ops.constant(np.array([2, 3], dtype=np.int64)), True, name="pool")
    flat = ops.reshape(pooled, ops.constant(np.array([1, channels], dtype=np.int64)), False, name="flatten")
    head = ops.matmul(flat, ops.constant(rng.normal(0, 0.1, (channels, 10)).astype(np.float32)), False, False, name="fc")
    result = ops.softmax(head, 1, name="probs")
    return ov.Model([result], [x], f"synthetic-{target_nodes}")


def mobilenet_v2_like():  # type: ignore[no-untyped-def]
    """MobileNetV2's structure (stem, 17 inverted residual blocks with depthwise convolutions,
    Clamp as ReLU6, residual Adds, head): ~150 ops, the shape of graph users open most."""
    import openvino as ov
    import openvino.opset13 as ops

    rng = np.random.default_rng(1)

    def conv(x, out_c: int, kernel: int, stride: int, name: str, groups: int = 1, act: bool = True):  # type: ignore[no-untyped-def]
        in_c = x.get_output_partial_shape(0)[1].get_length()
        pad = kernel // 2
        if groups > 1:
            w = ops.constant(rng.normal(0, 0.1, (groups, out_c // groups, in_c // groups, kernel, kernel)).astype(np.float32))
            y = ops.group_convolution(x, w, [stride, stride], [pad, pad], [pad, pad], [1, 1], name=name)
        else:
            w = ops.constant(rng.normal(0, 0.1, (out_c, in_c, kernel, kernel)).astype(np.float32))
            y = ops.convolution(x, w, [stride, stride], [pad, pad], [pad, pad], [1, 1], name=name)
        y = ops.add(y, ops.constant(rng.normal(0, 0.1, (1, out_c, 1, 1)).astype(np.float32)), name=f"{name}/bias")
        return ops.clamp(y, 0.0, 6.0, name=f"{name}/relu6") if act else y

    x = ops.parameter([1, 3, 224, 224], np.float32, name="input")
    y = conv(x, 32, 3, 2, "stem")
    in_c = 32
    settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
    index = 0
    for t, c, n, s in settings:
        for i in range(n):
            stride = s if i == 0 else 1
            name = f"block{index}"
            h = conv(y, in_c * t, 1, 1, f"{name}/expand") if t != 1 else y
            h = conv(h, in_c * t, 3, stride, f"{name}/depthwise", groups=in_c * t)
            h = conv(h, c, 1, 1, f"{name}/project", act=False)
            y = ops.add(y, h, name=f"{name}/add") if stride == 1 and in_c == c else h
            in_c = c
            index += 1
    y = conv(y, 1280, 1, 1, "head")
    y = ops.reduce_mean(y, ops.constant(np.array([2, 3], dtype=np.int64)), False, name="pool")
    y = ops.matmul(y, ops.constant(rng.normal(0, 0.05, (1280, 1000)).astype(np.float32)), False, False, name="classifier")
    return ov.Model([ops.softmax(y, 1, name="probs")], [x], "mobilenet_v2_like")


def _median_time(action, repeats: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    """Median wall time of `repeats` runs (the machine is shared: one run can be 5x off)."""
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def measure(size: int, folder: Path, python_layout: bool, repeats: int = 3) -> dict[str, float | int | str]:
    import openvino as ov

    from core.graph import colour_scene, graph_from_file, lay_out
    from core.graph.figure import build_figure

    xml = folder / f"synthetic-{size}.xml"
    ov.save_model(synthetic_model(size), str(xml), compress_to_fp16=False)
    row: dict[str, float | int | str] = {"target": size}
    started = time.perf_counter()
    graph = graph_from_file(xml)
    row["extract_s"] = time.perf_counter() - started
    scenes = [lay_out(graph, fold=True, use_cache=False) for _ in range(repeats)]
    scene = scenes[0]
    row["nodes_shown"] = len(scene.view.nodes)
    row["edges"] = len(scene.view.edges)
    row["view_s"] = statistics.median(s.timings["view_s"] for s in scenes)
    row["layout_s"] = statistics.median(s.layout.seconds for s in scenes)
    row["engine"] = scene.layout.engine
    colouring = colour_scene(scene, "type")
    row["figure_s"], figure = _median_time(lambda: build_figure(scene.view, scene.layout, colouring, graph), repeats)
    row["json_s"], text = _median_time(lambda: figure.to_json(), repeats)  # type: ignore[attr-defined]
    row["figure_json_mb"] = len(text) / 1e6
    row["page_view_s"] = row["view_s"] + row["layout_s"] + row["figure_s"] + row["json_s"]
    cached = lay_out(graph, fold=True, use_cache=True)
    cached = lay_out(graph, fold=True, use_cache=True)  # second call: from the disk cache
    row["cached_layout_s"] = cached.timings["layout_s"]
    collapsed = lay_out(graph, fold=True, collapse=True, use_cache=False)
    row["collapsed_nodes"] = len(collapsed.view.nodes)
    row["collapsed_layout_s"] = collapsed.timings["layout_s"] + collapsed.timings["view_s"]
    if python_layout:
        fallback = lay_out(graph, fold=True, engine="python", use_cache=False)
        row["python_layout_s"] = fallback.layout.seconds
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="500,1000,2000,5000")
    parser.add_argument("--python-layout", action="store_true", help="also time the pure-Python fallback layout")
    parser.add_argument("--repeats", type=int, default=3, help="runs per step; the median is reported")
    parser.add_argument("--json", help="write the rows here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="graph-bench-") as tmp:
        os.environ.setdefault("OVWB_WORKSPACE", str(Path(tmp) / "workspace"))
        print(f"load average before: {os.getloadavg()[0]:.2f}  (2 cores, shared)")
        rows = [measure(int(s), Path(tmp), args.python_layout, args.repeats) for s in args.sizes.split(",")]
        print(f"load average after:  {os.getloadavg()[0]:.2f}")
    columns = ["target", "nodes_shown", "edges", "extract_s", "layout_s", "figure_s", "json_s", "page_view_s",
               "cached_layout_s", "collapsed_nodes", "collapsed_layout_s"] + (["python_layout_s"] if args.python_layout else [])
    print("  ".join(f"{c:>17}" for c in columns))
    for row in rows:
        print("  ".join(f"{row[c]:>17.3f}" if isinstance(row[c], float) else f"{row[c]:>17}" for c in columns))
    at_2000 = next((r for r in rows if r["target"] == 2000), None)
    if at_2000:
        total = float(at_2000["layout_s"]) + float(at_2000["figure_s"])
        print(f"2,000 nodes: layout + figure = {total:.2f} s (target < 2 s): {'OK' if total < 2 else 'OVER'}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
