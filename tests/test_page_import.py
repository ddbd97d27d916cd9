"""The Import & convert page in AppTest: upload, import job, card, convert job, check,
download; and bad uploads shown as errors while the page stays up."""

from __future__ import annotations

from pathlib import Path

from core.jobs import wait_for_job
from tests.conftest import open_page, page_text
from tests.models_onnx import make_tiny_cnn_ir, make_tiny_cnn_onnx

PAGE = "pages/import.py"


def _import(at, files: list[tuple[str, bytes]]):  # type: ignore[no-untyped-def]
    at.file_uploader[0].set_value([(name, data, "application/octet-stream") for name, data in files]).run()
    at.button(key="imp_import").click().run()
    job = wait_for_job(at.session_state["imp_import_job"], timeout_s=180)
    at.run()
    return job


def test_upload_convert_static_fp16_check_and_download(workspace: Path, tmp_path: Path) -> None:
    at = open_page(PAGE)
    assert "1 · Upload" in page_text(at) and "No models yet" in page_text(at)
    onnx_path = make_tiny_cnn_onnx(tmp_path)
    job = _import(at, [(onnx_path.name, onnx_path.read_bytes())])
    assert job.state == "done", job.error
    text = page_text(at)
    assert "Imported **tiny_cnn** (ONNX)" in text and "classification" in text
    at.text_input(key=f"imp_shape_{job.result['model_id']}_0").set_value("1,3,32,32")
    at.radio(key=f"imp_precision_{job.result['model_id']}").set_value("FP16")
    at.checkbox(key=f"imp_imagenet_{job.result['model_id']}").check()
    at.checkbox(key=f"imp_reverse_{job.result['model_id']}").check()
    next(b for b in at.button if b.label == "Convert").click().run()
    converted = wait_for_job(at.session_state["imp_convert_job"], timeout_s=180)
    assert converted.state == "done", converted.error
    at.run()
    text = page_text(at)
    assert "Conversion check: the IR matches the original" in text
    assert "Embedded preprocessing on **image** (NCHW): reverse_channels → mean → scale" in text
    assert any("Download IR" in b.label for b in at.get("download_button"))
    assert not at.exception


def test_ir_pair_import_is_ready_without_conversion(workspace: Path, tmp_path: Path) -> None:
    at = open_page(PAGE)
    xml = make_tiny_cnn_ir(tmp_path)
    job = _import(at, [(xml.name, xml.read_bytes()), (xml.with_suffix(".bin").name, xml.with_suffix(".bin").read_bytes())])
    assert job.state == "done"
    text = page_text(at)
    assert "It is an IR already" in text and "4 · IR variants of this model" in text
    assert "IR v11" in text


def test_bad_uploads_show_specific_errors(workspace: Path, tmp_path: Path) -> None:
    at = open_page(PAGE)
    job = _import(at, [("empty.onnx", b"")])
    assert job.state == "failed"
    assert "empty.onnx is empty" in page_text(at)
    xml = make_tiny_cnn_ir(tmp_path)
    job = _import(at, [(xml.name, xml.read_bytes())])
    assert "has no weights file tiny_cnn.bin" in page_text(at)
    assert "No models yet" in page_text(at) and not at.exception


def test_convert_form_rejects_unreadable_options_without_a_job(workspace: Path, tmp_path: Path) -> None:
    from core.importer import import_paths

    model_id = import_paths([make_tiny_cnn_onnx(tmp_path)])["model_id"]
    at = open_page(PAGE)
    at.text_input(key=f"imp_shape_{model_id}_0").set_value("1,x,32,32")
    next(b for b in at.button if b.label == "Convert").click().run()
    assert "The shape '1,x,32,32' for image cannot be read." in page_text(at)
    at.text_input(key=f"imp_shape_{model_id}_0").set_value("1,3,32,32")
    at.text_input(key=f"imp_mean_{model_id}").set_value("1,2,three")
    next(b for b in at.button if b.label == "Convert").click().run()
    assert "are not numbers" in page_text(at)
    assert "imp_convert_job" not in at.session_state and not at.exception


def test_uploads_land_in_the_workspace_at_once_and_survive_a_page_switch(workspace: Path, tmp_path: Path) -> None:
    at = open_page(PAGE)
    onnx_path = make_tiny_cnn_onnx(tmp_path)
    at.file_uploader[0].set_value([(onnx_path.name, onnx_path.read_bytes(), "application/octet-stream")]).run()
    staged = at.session_state["imp_staged_uploads"]
    stored = workspace / staged["folder"] / onnx_path.name
    assert stored.read_bytes() == onnx_path.read_bytes()  # on disk before Import is pressed
    at.switch_page("pages/jobs.py").run()
    at.switch_page(PAGE).run()
    assert f"`{onnx_path.name}`" in page_text(at)
    at.button(key="imp_import").click().run()
    job = wait_for_job(at.session_state["imp_import_job"], timeout_s=180)
    assert job.state == "done", job.error
