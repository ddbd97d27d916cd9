"""The Compare dashboard in Debian's Chromium on real numbers: the sample classifier as FP32,
FP16 and INT8 (NNCF, calibrated on the labelled scans), each benchmarked and the FP32/INT8
pair profiled by the benchmark jobs; then the table, the charts, the per-layer section and
the downloaded report — opened with the network cut off."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from compare_data import build_sample_variants
from core.benchmark.jobs import BENCHMARK_ENTRYPOINT, PROFILE_ENTRYPOINT
from core.jobs import run_job_inline
from core.precision import device_compute
from tests.conftest import screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("patient_expect")]


TALL = {"width": 1400, "height": 4600}  # Streamlit scrolls inside its own container: show it all at once


def _job(entrypoint: str, variant_id: int, settings: dict, kind: str, **params: int) -> int:  # type: ignore[type-arg]
    job = run_job_inline(kind, entrypoint, {**settings, "variant_id": variant_id, **params},
                         target=f"variant {variant_id}", variant_id=variant_id, timeout_s=300)
    assert job.state == "done", (job.error, job.error_hint)
    return int(job.result["id"])


def test_dashboard_shows_the_winner_and_the_report_opens_offline(workspace: Path, server_factory, page, browser,
                                                                 tmp_path: Path) -> None:
    variants = build_sample_variants()
    settings = {"device": "CPU", "hint": "throughput", "duration_s": 2.0}
    benchmarks = {p: _job(BENCHMARK_ENTRYPOINT, variants[p], settings, "benchmark") for p in ("FP32", "FP16", "INT8")}
    profiles = {p: _job(PROFILE_ENTRYPOINT, variants[p], {"device": "CPU", "hint": "latency"}, "profile",
                        iterations=30) for p in ("FP32", "INT8")}

    server = server_factory(workspace, env={"OVWB_NO_SAMPLE": "1"})
    page.set_viewport_size(TALL)
    page.goto(f"{server.url}/compare")
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="Compare")).to_be_visible(timeout=30_000)

    # the recommendation names a variant by both precision axes, with its measured ratios
    default = device_compute("CPU")["default"]
    recommendation = main.get_by_test_id("stAlertContentSuccess")
    expect(recommendation).to_contain_text("Recommendation")
    expect(recommendation).to_contain_text(re.compile(rf"(FP32|FP16|INT8) weights · {default} compute on CPU, "
                                                      "throughput hint"))
    # FP32 and FP16 ran the same arithmetic: the page says so
    expect(main.get_by_text(f"FP32 and FP16 were computed alike in {default}")).to_be_visible()
    # on a device whose default is reduced, FP32 with f32 compute is one click away
    missing = main.get_by_role("button", name=re.compile("Benchmark FP32 with f32 compute"))
    expect(missing).to_have_count(1 if device_compute("CPU")["default_is_reduced"] else 0)
    # the table: three results, ratios to the FP32 baseline (the grid is a canvas; read its CSV export instead)
    expect(main.get_by_test_id("stDataFrame").first).to_be_visible()
    # charts: FPS, latency, trade-off, distributions, per op type
    charts = main.locator(".js-plotly-plot")
    expect(charts).to_have_count(5, timeout=30_000)
    fps_chart = charts.nth(0)
    expect(fps_chart).to_contain_text("Throughput")
    expect(fps_chart.locator("g.point")).to_have_count(3)
    for label in ("FP32·", "FP16·", "INT8·"):
        expect(fps_chart).to_contain_text(f"{label}{default} #")
    expect(charts.nth(2)).to_contain_text("Pareto front")
    # per layer: FP32 vs INT8 profiles picked by default, one-sided layers named
    expect(main.get_by_text("IR layers covered only in B")).to_be_visible()
    expect(main.get_by_test_id("stMetric").filter(has_text="B / A")).to_be_visible()
    screenshot(page, "compare-dashboard")

    with page.expect_download() as csv_download:
        main.get_by_role("button", name="Table (CSV)").click()
    table = Path(csv_download.value.path()).read_text()
    wait_for_app(page)
    assert table.count("\n") == 4  # header + 3 results
    for precision, result_id in benchmarks.items():
        assert re.search(rf"^{result_id},.*,{precision},{default},CPU,", table, re.M), table
    assert f"python -m core benchmark {variants['INT8']} -d CPU --hint throughput -t 2 --repeats 1" in table

    with page.expect_download() as html_download:
        main.get_by_role("button", name="Report (HTML, opens offline)").click()
    report = tmp_path / "comparison.html"
    html_download.value.save_as(report)
    text = report.read_text()
    assert "python -m core profile" in text and f"--profile {profiles['INT8']}" in text

    # open the file with every network request refused: charts must still draw
    offline = browser.new_context(viewport=TALL, offline=True)
    requests: list[str] = []
    try:
        viewer = offline.new_page()
        viewer.on("request", lambda request: requests.append(request.url))
        viewer.goto(report.as_uri())
        expect(viewer.locator(".js-plotly-plot")).to_have_count(5, timeout=30_000)
        expect(viewer.locator(".js-plotly-plot").nth(0).locator("g.point")).to_have_count(3)
        expect(viewer.locator(".recommendation")).to_contain_text(f"{default} compute on CPU, throughput hint")
        expect(viewer.get_by_text("Reproduce each number")).to_be_visible()
        screenshot(viewer, "compare-report")
    finally:
        offline.close()
    assert [url for url in requests if not url.startswith("file:")] == []

    # "why, per layer": the INT8 graph coloured by time INT8 / time FP32 on the Graph page
    main.get_by_role("button", name="Open the graph of B coloured by time B / time A").click()
    wait_for_app(page)
    expect(page.get_by_test_id("stMain").get_by_role("heading", name="Graph")).to_be_visible()
    assert urlparse(page.url).path.rstrip("/").endswith("/graph")  # with the view's link parameters
    expect(page.get_by_test_id("stMain").get_by_text("Time ratio vs").first).to_be_visible()
    screenshot(page, "compare-graph-link")
