"""How fast does the graph page show a big model? Server-side steps, and (--browser) Chromium.

Builds real OpenVINO models of ~500, 1,000, 2,000 and 5,000 visible nodes (residual and
inception-style blocks, so the layout has branches and crossings to reduce), then times
each step of a page view: extraction (ov.Model → Graph), view (folding), layout (Graphviz
`dot`, uncached; and the pure-Python fallback), the SVG drawing and its size (what
Streamlit sends to the browser once per drawing); medians of --repeats runs.

With --browser, against a running `streamlit run` in Debian's Chromium (no GPU), per size:
page load → whole graph drawn (navigation start to the frame after the SVG went in; first
visit computes the layout, the repeat visit is a new session with the layout cached),
click → inspector shown (the click handler to the node's name in the inspector), and frame
times while panning (requestAnimationFrame timestamps during a scripted drag) at 100 % zoom
and at fit. Goals: < 2 s drawn at 2,000 nodes, < 300 ms click, < 33 ms frames. Screenshots
(MobileNetV2-like and the 2,000-node graph, fit and 100 %) go to test-artifacts/.

    .venv/bin/python benchmarks/graph.py [--sizes 500,1000,2000,5000] [--python-layout] [--json out.json]
    .venv/bin/python benchmarks/graph.py --browser [--sizes 500,2000,5000]

Measured 2026-12-04 (2 shared cores, load average 10-15 during the run; Chromium 156, no GPU):
    graph      nodes  first load  cached load  click→inspector  pan 100 % median/p95  pan fit median/p95
    MobileNetV2  154     3.1 s       3.5 s         0.82 s            16.7 / 33 ms          16.7 / 17 ms
    synthetic    501     3.0 s       5.2 s         0.33 s            16.7 / 17 ms          16.7 / 17 ms
    synthetic  2,006     6.1 s       3.0 s         0.40 s            16.7 / 67 ms          16.7 / 33 ms
    synthetic  4,999    13.1 s       3.2 s         0.48 s            16.7 / 50 ms          16.7 / 50 ms
  Server side at 2,000 nodes: extract 1.0 s, dot layout 0.74 s (cached: 0.03 s), SVG 0.12 s (0.9 MB).
  An almost empty page (Jobs) takes 1.1-1.9 s to show on the same machine: most of a cached load
  is Streamlit's own start-up and the page's routing, not the drawing (install 20-90 ms at 154 nodes).

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
    from core.graph.svg import build_svg, fills

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
    row["svg_s"], drawing = _median_time(lambda: build_svg(graph, scene.view, scene.layout), repeats)
    row["fills_s"], _ = _median_time(lambda: fills(scene.view, colouring), repeats)
    row["svg_mb"] = len(drawing["svg"]) / 1e6  # type: ignore[index]
    row["page_view_s"] = row["view_s"] + row["layout_s"] + row["svg_s"] + row["fills_s"]
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
    parser.add_argument("--browser", action="store_true", help="measure the page in Chromium (sizes default 500,2000,5000)")
    args = parser.parse_args()
    if args.browser:
        return browser_main([int(x) for x in args.sizes.split(",")], args.json)
    with tempfile.TemporaryDirectory(prefix="graph-bench-") as tmp:
        os.environ.setdefault("OVWB_WORKSPACE", str(Path(tmp) / "workspace"))
        print(f"load average before: {os.getloadavg()[0]:.2f}  (2 cores, shared)")
        rows = [measure(int(s), Path(tmp), args.python_layout, args.repeats) for s in args.sizes.split(",")]
        print(f"load average after:  {os.getloadavg()[0]:.2f}")
    columns = ["target", "nodes_shown", "edges", "extract_s", "layout_s", "svg_s", "svg_mb", "page_view_s",
               "cached_layout_s", "collapsed_nodes", "collapsed_layout_s"] + (["python_layout_s"] if args.python_layout else [])
    print("  ".join(f"{c:>17}" for c in columns))
    for row in rows:
        print("  ".join(f"{row[c]:>17.3f}" if isinstance(row[c], float) else f"{row[c]:>17}" for c in columns))
    at_2000 = next((r for r in rows if r["target"] == 2000), None)
    if at_2000:
        total = float(at_2000["layout_s"]) + float(at_2000["svg_s"])
        print(f"2,000 nodes: layout + SVG = {total:.2f} s (target < 2 s): {'OK' if total < 2 else 'OVER'}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


# ------------------------------------------------------------------ in the browser
PAN_FRAMES_JS = """
async ([dx, dy, steps]) => {
  const s = window.__gv, v = s.view.getBoundingClientRect();
  const x0 = v.left + v.width / 2, y0 = v.top + v.height / 2;
  const stamps = [];
  let running = true;
  const loop = (t) => { stamps.push(t); if (running) requestAnimationFrame(loop); };
  requestAnimationFrame(loop);
  const fire = (type, x, y) => s.view.dispatchEvent(new PointerEvent(type, {clientX: x, clientY: y, bubbles: true, pointerId: 1, button: 0}));
  fire('pointerdown', x0, y0);
  for (let i = 1; i <= steps; i++) {
    fire('pointermove', x0 + dx * i / steps, y0 + dy * i / steps);
    await new Promise(r => requestAnimationFrame(r));  // one move per frame, as a hand would
  }
  fire('pointerup', x0 + dx, y0 + dy);
  running = false;
  const deltas = stamps.slice(1).map((t, i) => t - stamps[i]).sort((a, b) => a - b);
  const q = (p) => deltas[Math.min(deltas.length - 1, Math.floor(p * deltas.length))];
  return {frames: deltas.length, median_ms: q(0.5), p95_ms: q(0.95), max_ms: deltas[deltas.length - 1]};
}
"""

INSPECTOR_JS = """
(name) => new Promise((resolve) => {
  const main = document.querySelector('[data-testid="stMain"]');
  const seen = () => [...main.querySelectorAll('[data-testid="stText"]')].some(e => e.textContent.includes(name));
  const obs = new MutationObserver(() => { if (seen()) { obs.disconnect(); window.__inspAt = performance.now(); } });
  obs.observe(main, {subtree: true, childList: true, characterData: true});
  resolve(true);
})
"""


def _load(page, url: str, size_label: str) -> float:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/graph")
    page.wait_for_selector(".gv-root[data-drawn]", timeout=180_000)
    page.wait_for_function("window.__gvDrawnAt !== undefined")
    return float(page.evaluate("window.__gvDrawnAt")) / 1000


def _click_to_inspector(page, nth: int) -> float:  # type: ignore[no-untyped-def]
    from tests.e2e.test_graph_browser import NODE_JS

    page.evaluate("window.__gv.view.scrollIntoView({block: 'center'})")  # the whole drawing inside the window
    page.wait_for_timeout(300)
    target = page.evaluate(NODE_JS, ["type", "Convolution", nth]) or page.evaluate(NODE_JS, ["type", "Add", nth])
    page.evaluate(INSPECTOR_JS, target["name"])
    page.evaluate("window.__inspAt = undefined")
    page.mouse.click(target["x"], target["y"])
    page.wait_for_function("window.__inspAt !== undefined", timeout=60_000)
    return float(page.evaluate("window.__inspAt - window.__gvClickAt")) / 1000


def browser_main(sizes: list[int], json_out: str | None) -> int:
    """Per size its own workspace and server (the variant shown first is the one measured)."""
    import openvino as ov
    from playwright.sync_api import sync_playwright

    from tests.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, StreamlitServer

    ARTIFACTS.mkdir(exist_ok=True)
    rows = []
    print(f"load average before: {os.getloadavg()[0]:.2f}  (2 cores, shared)")
    with tempfile.TemporaryDirectory(prefix="graph-browser-") as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        models = [(f"mobilenet", mobilenet_v2_like)] + [(str(n), lambda n=n: synthetic_model(n)) for n in sizes]
        for label, build in models:
            workspace = Path(tmp) / f"ws-{label}"
            script = (
                "import sys, openvino as ov; sys.path.insert(0, %r)\n"
                "from core.store import init_db; from core.variants import create_model, register_variant\n"
                "from core.workspace import new_artifact_dir\n"
                "from benchmarks.graph import synthetic_model, mobilenet_v2_like\n"
                "init_db(); xml = new_artifact_dir('models') / 'm.xml'\n"
                "ov.save_model(%s, str(xml), compress_to_fp16=False)\n"
                "register_variant(create_model(%r, 'ir'), xml, 'FP32', 'imported')\n"
            ) % (str(ROOT), "mobilenet_v2_like()" if label == "mobilenet" else f"synthetic_model({label})", label)
            import subprocess

            subprocess.run([sys.executable, "-c", script], check=True, env={**os.environ, "OVWB_WORKSPACE": str(workspace)})
            server = StreamlitServer(workspace)
            server.start()
            try:
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                warm = context.new_page()  # "app already running": the server has imported its modules
                warm.goto(server.url)
                warm.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=120_000)
                warm.close()
                page = context.new_page()
                first = _load(page, server.url, label)
                page2 = context.new_page()  # a new session: graph and layout cached in the server
                repeat = _load(page2, server.url, label)
                page.close()
                page = page2
                page.evaluate("window.__gv.root.scrollIntoView({block: 'start'})")
                page.wait_for_timeout(300)
                row = {"graph": label, "nodes": int(page.get_attribute(".gv-root", "data-nodes")),
                       "first_load_s": first, "load_cached_s": repeat}
                if label in ("mobilenet", "2000"):
                    page.screenshot(path=str(ARTIFACTS / f"bench-graph-{label}-fit.png"))
                fit = page.evaluate(PAN_FRAMES_JS, [150, 150, 60])
                page.get_by_role("button", name="Fit").click()
                page.get_by_role("button", name="100%").click()
                page.wait_for_timeout(300)
                if label in ("mobilenet", "2000"):
                    page.screenshot(path=str(ARTIFACTS / f"bench-graph-{label}-100.png"))
                at_100 = page.evaluate(PAN_FRAMES_JS, [0, -400, 60])
                clicks = sorted(_click_to_inspector(page, nth) for nth in range(3))
                row.update(click_s=clicks[1], pan100_median_ms=at_100["median_ms"], pan100_p95_ms=at_100["p95_ms"],
                           pan100_max_ms=at_100["max_ms"], panfit_median_ms=fit["median_ms"], panfit_p95_ms=fit["p95_ms"],
                           panfit_max_ms=fit["max_ms"])
                rows.append(row)
                print(row, flush=True)
                context.close()
            finally:
                server.stop()
        browser.close()
    print(f"load average after:  {os.getloadavg()[0]:.2f}")
    columns = ["graph", "nodes", "first_load_s", "load_cached_s", "click_s", "pan100_median_ms", "pan100_p95_ms",
               "panfit_median_ms", "panfit_p95_ms", "panfit_max_ms"]
    print("  ".join(f"{c:>16}" for c in columns))
    for row in rows:
        print("  ".join(f"{row[c]:>16.3f}" if isinstance(row[c], float) else f"{row[c]:>16}" for c in columns))
    if json_out:
        Path(json_out).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
