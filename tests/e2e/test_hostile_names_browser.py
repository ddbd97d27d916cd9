"""Names inside a model are untrusted: in a real browser, no page makes a request because of
them. A model whose input, layer, output and model names carry Markdown images, HTML, links,
Streamlit directives and backticks is imported, converted and benchmarked; every page is
opened while a local HTTP server listens on the port those names point at — nothing may arrive.
"""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path

import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from playwright.sync_api import expect

from tests.conftest import ROOT, free_port, screenshot, wait_for_app
from tests.models_onnx import _weights

pytestmark = pytest.mark.browser

PAGES = ["home", "import", "optimize", "graph", "benchmark", "compare", "jobs"]


class _Listener(http.server.ThreadingHTTPServer):
    """Counts every request that reaches the port the hostile names point at."""

    def __init__(self, port: int) -> None:
        self.hits: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                outer.hits.append(self.path)
                self.send_response(404)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", port), Handler)


def _hostile_model(folder: Path, port: int) -> tuple[Path, str]:
    url = f"http://127.0.0.1:{port}"
    image = f"x![i]({url}/input.png)"
    conv = f"conv`<img src={url}/node.png>`![n]({url}/node2.png)"
    out = f"y:red[out]<img src={url}/out.png>"
    nodes = [
        helper.make_node("Conv", [image, "w", "b"], ["c"], pads=[1, 1, 1, 1], name=conv),
        helper.make_node("Relu", ["c"], [out], name=f"relu:material/home:[l]({url}/link)"),
    ]
    graph = helper.make_graph(
        nodes, "hostile",
        [helper.make_tensor_value_info(image, TensorProto.FLOAT, [1, 3, 16, 16])],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, [1, 4, 16, 16])],
        [numpy_helper.from_array(_weights(1, 4, 3, 3, 3), "w"), numpy_helper.from_array(_weights(2, 4), "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "hostile.onnx"
    onnx.save_model(model, path)
    return path, f"m![m]({url}/model.png)`x` $y$ :blue[b]"


def _core(workspace: Path, *args: str) -> str:
    env = {**os.environ, "OVWB_WORKSPACE": str(workspace), "OVWB_NO_SAMPLE": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "core", *args], env=env, cwd=str(ROOT),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_markdown_in_model_names_makes_no_request(server_factory, page, tmp_path: Path) -> None:
    port = free_port()
    listener = _Listener(port)
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    workspace = tmp_path / "workspace"
    try:
        path, name = _hostile_model(tmp_path / "src", port)
        _core(workspace, "import", str(path), "--name", name)
        _core(workspace, "convert", "--model-id", "1")
        _core(workspace, "benchmark", "1", "-t", "1")
        server = server_factory(workspace)
        outside: list[str] = []
        own = (server.url, f"blob:{server.url}", "data:")  # the app itself, its blobs (components), inline data
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(own) else None)
        for name_of_page in PAGES:
            page.goto(f"{server.url}/{name_of_page}")
            wait_for_app(page)
            page.wait_for_timeout(1500)  # let images, fonts and frames load if any were made
            if name_of_page == "graph":  # the inspector of the hostile layer, found by name
                main = page.get_by_test_id("stMain")
                main.get_by_label("Find").fill("conv")
                main.get_by_label("Find").press("Enter")
                wait_for_app(page)
                expect(main.get_by_text("conv`<img", exact=False).first).to_be_visible()
                page.wait_for_timeout(1500)
            screenshot(page, f"hostile-{name_of_page}")
        assert listener.hits == [], f"pages fetched what model names pointed at: {listener.hits}"
        assert outside == [], f"requests left the app's origin: {outside}"
        page.goto(server.url)
        wait_for_app(page)
        # The name is shown, as its own characters (not as an image or a link).
        expect(page.get_by_test_id("stMain").get_by_text("m![m](", exact=False).first).to_be_visible()
    finally:
        listener.shutdown()
