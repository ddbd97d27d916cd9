"""In Chromium against a real server: pick two variants, compare their outputs on an uploaded real
photo, open the layer-error chart, and re-quantize keeping the worst layers in float."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from analysis_models import conv_chain_ir
from orientation_data import photo_paths, write_flat_photos
from playwright.sync_api import expect

from core.datasets import import_dataset
from core.variants import create_model, register_variant
from tests.conftest import open_from_sidebar, screenshot, wait_for_app

pytestmark = pytest.mark.browser


def test_outputs_layer_error_chart_and_requantize(workspace: Path, server_factory, page, tmp_path: Path) -> None:
    from core.store import init_db

    init_db()
    parent_xml, damaged_xml = conv_chain_ir(tmp_path / "parent"), conv_chain_ir(tmp_path / "damaged", damaged="conv3")
    model = create_model("Conv chain", "onnx", task="classification", labels=[f"class {i}" for i in range(10)])
    parent = register_variant(model, parent_xml, "FP32", "converted", name="FP32")
    register_variant(model, damaged_xml, "FP32", "edited", name="conv3 damaged", parent_id=parent)
    import_dataset(write_flat_photos(tmp_path / "photos", count=6), "photos")
    server = server_factory(workspace, env={"OVWB_NO_SAMPLE": "1"})
    main = open_from_sidebar(page, server, "INT8 analysis")

    expect(main.get_by_text("Optimized variant (B)")).to_be_visible(timeout=60_000)
    main.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(photo_paths()[3]))
    wait_for_app(page)
    main.get_by_role("button", name="Compare outputs").click()
    expect(main.get_by_text("A (reference)")).to_be_visible(timeout=120_000)
    expect(main.get_by_text("B (optimized)")).to_be_visible()
    expect(main.get_by_test_id("stImage").first).to_be_visible()
    expect(main.get_by_test_id("stDataFrame").filter(has_text="Confidence").first).to_be_visible()
    screenshot(page, "int8-analysis-outputs")

    main.get_by_test_id("stRadioGroup").get_by_text("A dataset").click()
    wait_for_app(page)
    main.get_by_role("button", name="Analyse layers").click()
    expect(main.get_by_text(re.compile("Where the error jumps"))).to_be_visible(timeout=120_000)
    chart = main.locator(".js-plotly-plot").filter(visible=True).last
    expect(chart).to_be_visible(timeout=60_000)  # plotly.js loads lazily; slow on a shared 2-core machine
    expect(chart.get_by_text("largest jumps")).to_be_visible()
    expect(main.get_by_test_id("stDataFrame").filter(has_text="Keep in float").first).to_be_visible()
    chart.scroll_into_view_if_needed()
    screenshot(page, "int8-analysis-layer-error")

    main.get_by_role("button", name=re.compile(r"Re-quantize keeping these \d+ layers in float")).click()
    expect(main.get_by_text(re.compile(r"New variant #\d+ \(INT8\)"))).to_be_visible(timeout=240_000)
    expect(main.get_by_text(re.compile(r"Kept in float: .*conv3/WithoutBiases"))).to_be_visible()
    screenshot(page, "int8-analysis-requantized")
