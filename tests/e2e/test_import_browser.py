"""In Chromium against a real server: upload an ONNX model, convert it with a static
shape and FP16 weights, see the conversion check, download the IR and open it."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openvino as ov
import pytest
from playwright.sync_api import expect

from tests.conftest import open_from_sidebar, screenshot, wait_for_app
from tests.models_onnx import make_tiny_cnn_onnx

pytestmark = pytest.mark.browser


def test_upload_convert_static_fp16_and_download(server_factory, page, tmp_path: Path) -> None:
    server = server_factory(tmp_path / "workspace", env={"OVWB_NO_SAMPLE": "1"})
    model_file = make_tiny_cnn_onnx(tmp_path / "upload")
    main = open_from_sidebar(page, server, "Import & convert")

    main.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(model_file))
    expect(main.get_by_text("tiny_cnn.onnx")).to_be_visible()
    wait_for_app(page)
    main.get_by_role("button", name="Import").click()
    expect(main.get_by_text(re.compile("Imported tiny_cnn"))).to_be_visible(timeout=120_000)
    expect(main.get_by_text("classification").first).to_be_visible()

    shape = main.get_by_role("textbox", name=re.compile("Shape of"))
    shape.fill("1,3,32,32")
    main.get_by_test_id("stRadio").get_by_text("FP16").click()
    main.get_by_role("button", name="Convert").click()
    expect(main.get_by_text(re.compile("Conversion check: the IR matches"))).to_be_visible(timeout=120_000)
    expect(main.get_by_text(re.compile(r"variant #1 \(FP16\)"))).to_be_visible()
    # the verdict is computed in f32 whatever the device default; the numbers are plain text
    expect(main.get_by_text(re.compile(r"^Conversion check \(f32 compute\): match, max \|diff\|"))).to_be_visible()
    expect(main.get_by_test_id("stAlertContentError")).to_have_count(0)
    screenshot(page, "import-converted")
    main.get_by_text(re.compile("Conversion check: the IR matches")).scroll_into_view_if_needed()
    screenshot(page, "import-check")

    with page.expect_download(timeout=60_000) as download_info:
        main.get_by_role("button", name=re.compile("Download IR")).click()
    archive = tmp_path / "ir.zip"
    download_info.value.save_as(archive)
    with zipfile.ZipFile(archive) as zf:
        assert sorted(zf.namelist()) == ["tiny_cnn.bin", "tiny_cnn.xml"]
        zf.extractall(tmp_path / "ir")
    model = ov.Core().read_model(str(tmp_path / "ir" / "tiny_cnn.xml"))
    assert str(model.inputs[0].get_partial_shape()) == "[1,3,32,32]"
    assert any(op.get_type_name() == "Constant" and op.get_output_element_type(0) == ov.Type.f16 for op in model.get_ops())
