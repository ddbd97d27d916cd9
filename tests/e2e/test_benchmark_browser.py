"""Benchmark & profile in Debian's Chromium against a real `streamlit run`: run a benchmark
and a profile from the forms, see the figures, the charts and the layer table.

The benchmark runs in the device default and must name it ("INT8 weights · bf16 compute" on a
CPU whose default is bf16); the profile forces f32 in the form, so its words are fixed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.benchmark_models import int8_conv_net
from tests.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser


def test_benchmark_and_profile_from_the_page(server_factory, page, tmp_path: Path, monkeypatch) -> None:
    workspace = tmp_path / "workspace"
    monkeypatch.setenv("OVWB_WORKSPACE", str(workspace))
    monkeypatch.setenv("OVWB_NO_SAMPLE", "1")
    from core.store import init_db
    from core.variants import create_model, register_variant
    from core.workspace import new_artifact_dir

    init_db()
    xml = int8_conv_net(new_artifact_dir("models"), "int8_net")
    register_variant(create_model("Tiny INT8 net", "ir"), xml, precision="INT8", method="imported")

    server = server_factory(workspace, env={"OVWB_NO_SAMPLE": "1"})
    page.goto(f"{server.url}/benchmark")
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="Benchmark & profile")).to_be_visible()

    # Benchmark tab: 200 iterations, 2 repeats
    bench_form = main.get_by_test_id("stForm").filter(visible=True).first
    bench_form.get_by_role("spinbutton", name="Iterations", exact=True).fill("200")
    bench_form.get_by_role("spinbutton", name="Repeats").fill("2")
    bench_form.get_by_role("button", name="Run benchmark").click()
    expect(main.get_by_text("Median latency").filter(visible=True).first).to_be_visible(timeout=120_000)
    expect(main.get_by_text("over 2 runs").filter(visible=True).first).to_be_visible()
    from core.precision import device_compute

    default = device_compute("CPU")["default"]
    expect(main.get_by_text(f"INT8 weights · {default} compute").filter(visible=True).first).to_be_visible()
    charts = main.locator(".js-plotly-plot").filter(visible=True)
    expect(charts.first).to_be_visible(timeout=30_000)
    expect(charts).to_have_count(2)  # latency histogram + throughput per run
    charts.first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    screenshot(page, "benchmark-result")

    # Per-layer profile tab
    main.get_by_role("tab", name="Per-layer profile").click()
    profile_form = main.get_by_test_id("stForm").nth(2)
    profile_form.get_by_role("spinbutton", name="Profiled inferences").fill("10")
    expect(profile_form.get_by_role("spinbutton", name="Runs")).to_have_value("3")
    profile_form.get_by_test_id("stSelectbox").filter(has_text="Compute precision").click()
    page.get_by_role("option", name=re.compile(r"^f32 \(exact\)")).click()
    profile_form.get_by_role("button", name="Profile", exact=True).click()
    expect(main.get_by_text("Every layer").filter(visible=True).first).to_be_visible(timeout=120_000)
    expect(main.get_by_text("in FP32 in this INT8 model").filter(visible=True).first).to_be_visible()
    expect(main.get_by_text("INT8 weights · f32 compute").filter(visible=True).first).to_be_visible()
    expect(main.get_by_text("3 runs: total median").filter(visible=True).first).to_be_visible()
    expect(main.get_by_text("Precision transitions").filter(visible=True).first).to_be_visible()
    expect(main.get_by_role("button", name="Download all layers as CSV").filter(visible=True).first).to_be_visible()
    expect(main.locator(".js-plotly-plot").filter(visible=True)).to_have_count(3)  # by type, by precision, top
    main.locator(".js-plotly-plot").filter(visible=True).first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    screenshot(page, "benchmark-profile-charts")
    main.get_by_text("Every layer").filter(visible=True).first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    screenshot(page, "benchmark-profile-layers")

    # Stored results list both
    main.get_by_role("tab", name="Stored results").click()
    expect(main.get_by_text("Show result").filter(visible=True).first).to_be_visible()
    screenshot(page, "benchmark-stored")
