"""Deep links in Debian's Chromium, each opened on a fresh server (no session has run app.py yet,
so the router guard's round trip through app.py must keep the query string): the link shows
exactly that view, a change of selection rewrites the address bar, and a bad id gives a clear
message while the page still works."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.compare_data import benchmark
from tests.conftest import StreamlitServer, choose_option, screenshot, serving, wait_for_app
from tests.graph_support import seed_profiled_variants

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("patient_expect")]


# Screen centre of a node other than `selected` that is fully inside the drawing's viewport.
OTHER_NODE_JS = """
([selected]) => {
  const s = window.__gv, vb = s.view.getBoundingClientRect();
  for (const g of s.root.querySelectorAll('g.node')) {
    const b = g.getBoundingClientRect();
    const inside = b.left >= vb.left && b.right <= vb.right && b.top >= vb.top && b.bottom <= vb.bottom;
    if (inside && g.dataset.id !== selected) return {x: b.left + b.width / 2, y: b.top + b.height / 2, id: g.dataset.id};
  }
  return null;
}
"""


def _params(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def _wait_params(page, **wanted: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The address bar is rewritten after the script run: poll it briefly."""
    for _ in range(40):
        params = _params(page)
        if all(params.get(k) == v for k, v in wanted.items()):
            return params
        page.wait_for_timeout(250)
    raise AssertionError(f"URL {page.url} lacks {wanted}")


def _open(page, server, path: str):  # type: ignore[no-untyped-def]
    page.goto(f"{server.url}/{path}")
    wait_for_app(page)
    return page.get_by_test_id("stMain")


def _shows(main, label: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """The selectbox `label` currently shows an option containing `text`."""
    expect(main.get_by_role("combobox", name=label, exact=True)).to_have_value(re.compile(re.escape(text)))


def _link_warning(main):  # type: ignore[no-untyped-def]
    return main.get_by_test_id("stAlertContentWarning").filter(has_text="This link")


@pytest.fixture(scope="module")
def seeded(module_server: StreamlitServer) -> dict[str, int]:
    """Two variants with profiles (graph_support) and a short real benchmark of each, once for
    the module, in the workspace of its shared server."""
    from core.variants import create_model

    with serving(module_server):
        ids = seed_profiled_variants()
        ids["FP32_bench"] = benchmark(ids["FP32"], duration_s=0.5)
        ids["FP16_bench"] = benchmark(ids["FP16"], duration_s=0.5)
        ids["other_model"] = create_model("Another model", "onnx")  # the Import page's default is the newest
    return ids


def test_every_kind_of_link_opens_its_view_on_a_fresh_server(seeded: dict[str, int], server_factory, page,
                                                              module_server: StreamlitServer) -> None:
    page.set_viewport_size({"width": 1400, "height": 2400})
    workspace = module_server.workspace  # the seeded data; each view below on a server of its own

    # A model on Import: not the default (newest) one.
    server = server_factory(workspace)
    main = _open(page, server, f"import?model={seeded['model']}")
    expect(main.get_by_role("heading", name="Import & convert")).to_be_visible()
    _shows(main, "Model", f"Densenet121 · onnx · #{seeded['model']}")
    assert _params(page).get("model") == str(seeded["model"])
    server.stop()

    # A variant on Optimize: the FP16 one, not the first.
    server = server_factory(workspace)
    main = _open(page, server, f"optimize?variant={seeded['FP16']}")
    _shows(main, "Model variant to optimize", f"#{seeded['FP16']}")
    assert _params(page)["variant"] == str(seeded["FP16"])
    server.stop()

    # A result on Benchmark: its variant picked, the stored results tab open on it.
    server = server_factory(workspace)
    main = _open(page, server, f"benchmark?result={seeded['FP16_bench']}")
    _shows(main, "Model variant to measure", f"#{seeded['FP16']}")
    expect(main.get_by_role("tab", name="Stored results", selected=True)).to_be_visible()
    _shows(main, "Show result", f"#{seeded['FP16_bench']}")
    _wait_params(page, result=str(seeded["FP16_bench"]), variant=str(seeded["FP16"]))
    screenshot(page, "link-benchmark-result")
    server.stop()

    # A comparison: the selection and the baseline; changing the baseline rewrites the URL.
    server = server_factory(workspace)
    a, b = seeded["FP32_bench"], seeded["FP16_bench"]
    main = _open(page, server, f"compare?results={a},{b}&baseline={b}")
    expect(main.get_by_test_id("stMultiSelect")).to_contain_text(f"#{a}")
    expect(main.get_by_test_id("stMultiSelect")).to_contain_text(f"#{b}")
    _shows(main, "Baseline (ratios refer to it)", f"#{b}")
    _wait_params(page, results=f"{a},{b}", baseline=str(b))
    choose_option(page, "Baseline (ratios refer to it)", re.compile(rf"#{a}\b"))
    _wait_params(page, results=f"{a},{b}", baseline=str(a))
    screenshot(page, "link-compare")
    server.stop()

    # A graph view: variant, colouring, profile and selected node; the colour picker rewrites it.
    server = server_factory(workspace)
    main = _open(page, server, f"graph?variant={seeded['FP16']}&colour=time&profile={seeded['FP16_profile']}&node=op1")
    _shows(main, "Colour by", "Time per layer (profile)")
    _shows(main, "Profile", f"profile #{seeded['FP16_profile']}")
    _shows(main, "Model variant", f"#{seeded['FP16']}")
    page.wait_for_selector(".gv-root[data-drawn]", timeout=60_000)
    selected = page.get_attribute(".gv-root", "data-selected")
    assert selected, "the linked node is not selected"
    params = _wait_params(page, variant=str(seeded["FP16"]), colour="time", profile=str(seeded["FP16_profile"]))
    assert params["node"] == selected
    screenshot(page, "link-graph")
    choose_option(page, "Colour by", "Op type")
    params = _wait_params(page, colour="type")
    assert "profile" not in params and params["node"] == selected
    # A click on another node (a fragment rerun) rewrites node= too.
    target = page.evaluate(OTHER_NODE_JS, [selected])
    assert target, "no other node on screen"
    page.mouse.click(target["x"], target["y"])
    _wait_params(page, node=target["id"], colour="type", variant=str(seeded["FP16"]))
    server.stop()


def test_bad_ids_in_a_link_say_so_and_the_page_still_works(seeded: dict[str, int], served: StreamlitServer,
                                                           page) -> None:
    server = served
    main = _open(page, server, "benchmark?result=99999")
    expect(_link_warning(main)).to_contain_text("There is no stored result #99999")
    expect(main.get_by_role("tab", name="Benchmark")).to_be_visible()
    main = _open(page, server, "graph?variant=abc&colour=nonsense")
    warning = _link_warning(main)
    expect(warning).to_contain_text("“abc” is not a model variant number")
    expect(warning).to_contain_text("“nonsense” is not a colouring")
    page.wait_for_selector(".gv-root[data-drawn]", timeout=60_000)  # the default view is drawn
    main = _open(page, server, f"compare?results={seeded['FP32_bench']},424242&baseline=x")
    warning = _link_warning(main)
    expect(warning).to_contain_text("No benchmark result #424242 is stored")
    expect(main.get_by_test_id("stMultiSelect")).to_contain_text(f"#{seeded['FP32_bench']}")
    main = _open(page, server, "import?model=777")
    expect(_link_warning(main)).to_contain_text("There is no model #777")
    screenshot(page, "link-bad-ids")


def test_after_an_import_the_uploader_is_empty_and_the_url_names_the_new_model(server_factory, page,
                                                                                tmp_path: Path) -> None:
    from tests.models_onnx import make_tiny_cnn_onnx

    server = server_factory(tmp_path / "workspace")
    model_file = make_tiny_cnn_onnx(tmp_path / "upload")
    main = _open(page, server, "import")
    main.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(model_file))
    expect(main.get_by_test_id("stFileChip")).to_have_count(1)
    wait_for_app(page)
    main.get_by_role("textbox", name="Model name (optional)").fill("my tiny cnn")
    main.get_by_role("textbox", name="Model name (optional)").press("Enter")
    wait_for_app(page)
    main.get_by_role("button", name="Import").click()
    expect(main.get_by_text(re.compile("Imported my tiny cnn"))).to_be_visible(timeout=120_000)
    expect(main.get_by_test_id("stFileChip")).to_have_count(0)  # a fresh, empty uploader
    expect(main.get_by_role("textbox", name="Model name (optional)")).to_have_value("")  # no stale name for the next one
    _shows(main, "Model", "my tiny cnn · onnx · #1")
    _wait_params(page, model="1")
