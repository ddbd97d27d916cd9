"""In Chromium against a real server: upload a zip of rotated real photos, quantize the real
document-orientation classifier to INT8 with a live progress bar, and read its accuracy next
to FP32's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from orientation_data import orientation_ir, photo_paths, register_orientation_variant, write_rotated_dataset, zip_folder
from playwright.sync_api import expect

from tests.conftest import open_from_sidebar, screenshot, wait_for_app

pytestmark = pytest.mark.browser


def test_upload_images_quantize_int8_and_see_accuracy(workspace: Path, server_factory, page, tmp_path: Path) -> None:
    register_orientation_variant(orientation_ir(tmp_path / "model"))
    archive = zip_folder(write_rotated_dataset(tmp_path / "rotated", photo_paths()[:6]), tmp_path / "rotated_docs.zip")
    server = server_factory(workspace, env={"OVWB_NO_SAMPLE": "1"})
    main = open_from_sidebar(page, server, "Optimize precision")

    main.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(archive))
    expect(main.get_by_text("rotated_docs.zip")).to_be_visible()
    wait_for_app(page)
    main.get_by_role("button", name="Import dataset").click()
    expect(main.get_by_text("2 · Preprocessing (pre-filled from the model)")).to_be_visible(timeout=60_000)
    expect(main.get_by_text(re.compile("What the model will see"))).to_be_visible()
    expect(main.get_by_test_id("stImage").first).to_be_visible()

    subset = main.get_by_role("spinbutton", name="Subset size")
    subset.fill("12")
    subset.press("Enter")
    wait_for_app(page)
    screenshot(page, "optimize-setup")
    main.get_by_role("button", name=re.compile("Start: INT8 — post-training")).click()
    progress = main.get_by_test_id("stProgress")
    expect(progress).to_be_visible(timeout=60_000)
    expect(progress.get_by_text(re.compile(r"calibration sample \d+/12"))).to_be_visible(timeout=120_000)
    screenshot(page, "optimize-progress")

    expect(main.get_by_text(re.compile(r"New variant .*INT8"))).to_be_visible(timeout=240_000)
    expect(main.get_by_text("Accuracy: FP32 parent vs this variant")).to_be_visible()
    table = main.get_by_test_id("stDataFrame").filter(has_text="FP32 parent").first
    expect(table).to_be_visible()
    expect(main.get_by_text(re.compile(r"Top-1 accuracy \(labels\): \d+\.\d\d % vs \d+\.\d\d % FP32 on 12 held-out")).first).to_be_visible()
    main.get_by_text("Accuracy: FP32 parent vs this variant").scroll_into_view_if_needed()
    screenshot(page, "optimize-result")

    per_image = main.get_by_text(re.compile(r"Per image \(12 samples"))
    expect(per_image).to_be_visible()
    per_image.scroll_into_view_if_needed()
    grid = main.get_by_test_id("stDataFrame").filter(has=page.locator("canvas")).last
    expect(grid).to_be_visible()
    screenshot(page, "optimize-per-image")
