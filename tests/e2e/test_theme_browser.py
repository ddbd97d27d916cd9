"""Light/dark theme in Debian's Chromium: the theme choice is in the ⋮ menu, and after picking
Dark the Plotly charts (Compare, Benchmark) and the graph drawing are dark too — measured on
element screenshots, which are kept under test-artifacts/ to look at."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from tests.compare_data import benchmark
from tests.conftest import ARTIFACTS, StreamlitServer, serving, wait_for_app
from tests.graph_support import seed_profiled_variants

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("patient_expect")]
DARK = 90  # mean luminance (0-255) below which a picture reads as dark; light Streamlit is ~250


def _luminance(locator, name: str) -> float:  # type: ignore[no-untyped-def]
    """Mean luminance of an element's screenshot (saved as test-artifacts/<name>.png)."""
    from PIL import Image, ImageStat

    ARTIFACTS.mkdir(exist_ok=True)
    locator.scroll_into_view_if_needed()
    data = locator.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    return ImageStat.Stat(Image.open(io.BytesIO(data)).convert("L")).mean[0]


def _pick_theme(page, label: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_test_id("stMainMenu").click()
    item = page.get_by_test_id(f"stMainMenuItem-theme-{label}")
    expect(item).to_be_visible()
    item.click()
    page.keyboard.press("Escape")
    page.wait_for_timeout(500)


@pytest.fixture(scope="module")
def seeded(module_server: StreamlitServer) -> dict[str, int]:
    """Two profiled variants in the module's workspace (both tests draw them)."""
    with serving(module_server):
        return seed_profiled_variants()


def test_dark_theme_reaches_charts_and_the_graph(seeded: dict[str, int], served: StreamlitServer, page) -> None:
    ids, server = seeded, served
    fp32_bench = benchmark(ids["FP32"], duration_s=0.5)
    fp16_bench = benchmark(ids["FP16"], duration_s=0.5)
    page.set_viewport_size({"width": 1400, "height": 1400})

    page.goto(f"{server.url}/compare?results={fp32_bench},{fp16_bench}&baseline={fp32_bench}")
    wait_for_app(page)
    chart = page.get_by_test_id("stPlotlyChart").first
    expect(chart).to_be_visible()
    page.wait_for_timeout(1000)
    light = _luminance(chart, "theme-compare-light")
    assert light > 200, f"light theme chart luminance {light:.0f}"

    _pick_theme(page, "Dark")  # the choice is kept by the browser for this server's origin
    page.wait_for_timeout(1000)
    assert _luminance(page.get_by_test_id("stApp"), "theme-compare-page-dark") < DARK
    for index in range(2):
        chart = page.get_by_test_id("stPlotlyChart").nth(index)
        value = _luminance(chart, f"theme-compare-chart{index}-dark")
        assert value < DARK, f"Compare chart {index} is light in the dark theme ({value:.0f})"

    # Streamlit keeps the choice per loaded path (localStorage key "stActiveTheme-<path>"): move on
    # inside the app, as a user does, rather than loading each page's URL.
    page.get_by_test_id("stSidebarNav").get_by_text("Benchmark & profile").click()
    wait_for_app(page)
    page.get_by_role("tab", name="Stored results").click()
    wait_for_app(page)
    chart = page.get_by_test_id("stPlotlyChart").first
    expect(chart).to_be_visible()
    page.wait_for_timeout(1000)
    value = _luminance(chart, "theme-benchmark-chart-dark")
    assert value < DARK, f"Benchmark chart is light in the dark theme ({value:.0f})"

    page.get_by_test_id("stSidebarNav").get_by_text("Graph").click()
    wait_for_app(page)
    page.wait_for_selector(".gv-root[data-drawn]", timeout=60_000)
    page.wait_for_timeout(800)
    drawing = page.locator(".gv-main")
    value = _luminance(drawing, "theme-graph-dark")
    assert value < DARK, f"the graph drawing is light in the dark theme ({value:.0f})"
    legend = page.locator(".gv-legend")
    assert _luminance(legend, "theme-graph-legend-dark") < DARK
    page.set_viewport_size({"width": 1400, "height": 1600})
    page.screenshot(path=str(ARTIFACTS / "theme-graph-page-dark.png"))

    _pick_theme(page, "Light")  # and back: the drawing follows without a reload
    page.wait_for_timeout(800)
    assert _luminance(drawing, "theme-graph-light") > 200


def test_a_deep_link_opened_in_a_dark_system_is_dark(seeded: dict[str, int], served: StreamlitServer, browser) -> None:
    """The default theme follows the system: a graph link opened on a dark desktop is dark at once."""
    ids, server = seeded, served
    context = browser.new_context(viewport={"width": 1400, "height": 1400}, color_scheme="dark")
    try:
        page = context.new_page()
        page.goto(f"{server.url}/graph?variant={ids['FP16']}&colour=time&profile={ids['FP16_profile']}&node=op3")
        wait_for_app(page)
        page.wait_for_selector(".gv-root[data-drawn]", timeout=60_000)
        page.wait_for_timeout(800)
        assert page.get_attribute(".gv-root", "data-selected") == "op3"  # centred at 100 %: labels, edges, shapes
        assert _luminance(page.locator(".gv-main"), "theme-graph-link-system-dark") < DARK
        expect(page.get_by_role("combobox", name="Colour by", exact=True)).to_have_value("Time per layer (profile)")
    finally:
        context.close()
