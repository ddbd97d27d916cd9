"""The Optimize page in AppTest through the real router: upload, preview, INT8 job with accuracy
vs FP32, accuracy control on a model plain INT8 breaks, FP16 explanation, bad data as errors."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from orientation_data import (
    imagenet_classifier_ir,
    orientation_ir,
    photo_paths,
    register_imagenet_variant,
    register_orientation_variant,
    write_flat_photos,
    write_rotated_dataset,
    zip_bytes,
)
from quantize_models import outlier_classifier

from core.accuracy.requests import AccuracyRequest
from core.datasets import import_dataset
from core.jobs import wait_for_job
from core.precision import device_compute
from core.variants import create_model, get_variant, register_variant
from tests.conftest import open_page, page_text, rendered
from tests.one_shape import assert_page_offers

PAGE = "pages/optimize.py"


@pytest.fixture(scope="module")
def orientation_xml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return orientation_ir(tmp_path_factory.mktemp("orientation"))


def _upload(at, name: str, data: bytes):  # type: ignore[no-untyped-def]
    at.file_uploader(key="optimize_upload").set_value((name, data, "application/octet-stream")).run()
    at.button(key="optimize_import").click().run()
    return at


def _start_and_wait(at):  # type: ignore[no-untyped-def]
    at.button(key="optimize_start").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    job = wait_for_job(at.session_state["optimize_job"], timeout_s=300)
    at.run()
    return job


def test_upload_preview_int8_and_accuracy_against_fp32(workspace: Path, tmp_path: Path, orientation_xml: Path) -> None:
    fp32 = register_orientation_variant(orientation_xml)
    at = open_page(PAGE)
    assert not at.exception, at.exception
    assert "No datasets yet" in page_text(at)
    _upload(at, "rotated.zip", zip_bytes(write_rotated_dataset(tmp_path / "rot", photo_paths()[:4])))
    assert not at.error, [e.value for e in at.error]
    text = page_text(at)
    assert "2 · Preprocessing (pre-filled from the model)" in text
    assert at.number_input(key=f"pp{fp32}c").value == pytest.approx(0.875)  # from the model's training recipe
    assert at.text_input(key=f"pp{fp32}mean").value.startswith("123.675")
    assert len(at.get("image")) == 1  # the preview strip
    assert "What the model will see" in text
    at.number_input(key="q_subset_size").set_value(8).run()
    job = _start_and_wait(at)
    assert job.state == "done", job.error
    text = page_text(at)
    assert "New variant" in text and "(INT8)" in text
    table = next(df.value for df in at.dataframe if "FP32 parent" in df.value.columns)
    top1 = table[table["Metric"] == "Top-1 accuracy (labels)"].iloc[0]
    assert top1["FP32 parent"].endswith(" %") and "." in top1["FP32 parent"]  # two decimals, not one
    assert "held-out samples" in text
    new = get_variant(job.result["variant_id"])
    assert new.parent_id == fp32 and new.params["options"]["subset_size"] == 8
    assert any("Made from this variant" in s.value for s in at.subheader)


def test_accuracy_control_gets_back_what_plain_int8_lost(workspace: Path, tmp_path: Path) -> None:
    xml, npz = outlier_classifier(tmp_path / "outlier")
    variant = register_variant(create_model("outlier", "onnx"), xml, "FP32", "converted")
    at = open_page(PAGE)
    _upload(at, "tensors.npz", npz.read_bytes())
    at.radio(key="optimize_method").set_value("int8").run()
    at.number_input(key="q_subset_size").set_value(16).run()
    plain = _start_and_wait(at)
    assert plain.state == "done", plain.error
    assert get_variant(plain.result["variant_id"]).accuracy["value"] < 0.6
    assert "Top-1 agreement with FP32" in " ".join(str(df.value) for df in at.dataframe)

    at.radio(key="optimize_method").set_value("int8_aa").run()
    at.selectbox(key="q_metric").set_value("agreement").run()
    at.number_input(key="q_max_drop").set_value(0.05).run()
    controlled = _start_and_wait(at)
    assert controlled.state == "done", controlled.error
    assert get_variant(controlled.result["variant_id"]).accuracy["value"] >= 0.95
    assert "fc1" in controlled.result["float_layers"]
    assert any("kept in floating point" in e.label for e in at.expander)
    assert get_variant(controlled.result["variant_id"]).parent_id == variant


def test_fp16_explained_random_warned_bad_data_refused(workspace: Path, tmp_path: Path, orientation_xml: Path) -> None:
    register_orientation_variant(orientation_xml)
    at = open_page(PAGE)
    at.radio(key="optimize_method").set_value("fp16").run()
    text = page_text(at)
    default = device_compute("CPU")["default"]
    assert f"the FP32 IR computed in {default}" in text  # what the device reports, not a fact about a CPU
    assert "Benchmark" in text and "inference precision hint" in text

    at.radio(key="optimize_method").set_value("int8").run()
    text = page_text(at)
    assert "optimization capabilities" in text and not any(word in text for word in ("AVX", "VNNI", "AMX"))
    at.checkbox(key="optimize_dataset_random").check().run()  # no dataset yet: random is opt-in
    assert any("random data" in rendered(w.value) for w in at.warning)

    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(broken, "w") as zf:
        zf.writestr("a.png", photo_paths()[0].read_bytes())
        zf.writestr("b.jpg", b"not an image at all")
    _upload(at, "broken.zip", broken.read_bytes())
    assert any("cannot be decoded" in rendered(e.value) and "b.jpg" in rendered(e.value) for e in at.error)
    assert not at.exception


def test_measure_accuracy_of_an_existing_variant(workspace: Path) -> None:
    from core.jobs import wait_for_job
    from core.sample import seed_sample
    from tests.conftest import open_page, page_text

    seed_sample()
    at = open_page("pages/optimize.py")
    labelled = next(o for o in at.selectbox(key="optimize_dataset").options if "rotated" in o)
    at.radio(key="optimize_method").set_value("fp16").run()
    at.selectbox(key="optimize_dataset").select(labelled).run()
    at.button(key="accuracy_start").click().run()
    job = wait_for_job(at.session_state["optimize_accuracy_job"], timeout_s=180)
    assert job.state == "done", job.error
    at.run()
    assert not at.exception, at.exception
    assert "Top-1 accuracy (labels)" in str([df.value for df in at.dataframe])
    assert job.result["metric"] == "top1" and job.result["samples"] == 8
    assert "top-1" in page_text(at).lower()


def test_method_switch_never_keeps_a_dataset_that_does_not_fit(workspace: Path, tmp_path: Path) -> None:
    """The FP16 bug: INT8 -> FP16 kept the orientation dataset for an ImageNet model and scored 0.00 %."""
    imagenet = register_imagenet_variant(imagenet_classifier_ir(tmp_path / "zoo"))
    docs = import_dataset(write_rotated_dataset(tmp_path / "rot", photo_paths()[:2]), "orientation docs")
    photos = import_dataset(write_flat_photos(tmp_path / "photos", 6), "photos")
    at = open_page(PAGE)
    assert at.selectbox(key="optimize_variant").value == imagenet
    at.radio(key="optimize_method").set_value("int8").run()
    picker = at.selectbox(key="optimize_dataset")
    assert docs in picker.options or any("orientation docs" in o for o in picker.options)
    picker.set_value(docs).run()  # calibration reads images only: allowed, its labels set aside and said so
    assert any("names 4 classes" in rendered(w.value) and "agreement" in rendered(w.value) for w in at.warning)
    assert any("cannot be scored" in rendered(e.value) for e in at.error)  # section 5 will not score it
    assert at.button(key="accuracy_start").disabled

    at.radio(key="optimize_method").set_value("fp16").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="optimize_dataset").value is None
    assert not any("orientation docs" in o for o in at.selectbox(key="optimize_dataset").options)
    assert any(f"#{docs} was unselected" in rendered(i.value) for i in at.info)
    refused = next(df.value for df in at.dataframe if "Why" in df.value.columns)
    assert "names 4 classes" in refused.iloc[0]["Why"] and "1000 classes" in refused.iloc[0]["Why"]
    at.selectbox(key="optimize_dataset").set_value(photos).run()  # unlabelled: agreement, offered
    assert not at.error, [e.value for e in at.error]


def test_per_image_table_with_thumbnails(workspace: Path, tmp_path: Path) -> None:
    xml = imagenet_classifier_ir(tmp_path / "zoo")
    register_imagenet_variant(xml)
    photos = write_flat_photos(tmp_path / "photos")
    files = sorted(p.name for p in photos.iterdir())
    (photos / "val.txt").write_text("\n".join(f"{name} 0 992" if n % 2 else f"{name} 5" for n, name in enumerate(files)))
    import_dataset(photos, "annotated photos")
    at = open_page(PAGE)
    at.radio(key="optimize_method").set_value("fp16").run()
    label = next(o for o in at.selectbox(key="optimize_dataset").options if "annotated photos" in o)
    assert "2 with class sets" not in label and "with class sets" in label
    at.selectbox(key="optimize_dataset").select(label).run()
    at.button(key="accuracy_start").click().run()
    job = wait_for_job(at.session_state["optimize_accuracy_job"], timeout_s=180)
    assert job.state == "done", job.error
    at.run()
    assert not at.exception, at.exception
    table = next(df.value for df in at.dataframe if "Image" in df.value.columns)
    assert len(table) == len(files) and set(table["File"]) == set(files)
    thumbnail = table.iloc[0]["Image"]
    assert thumbnail.startswith("data:image/jpeg;base64,") and len(thumbnail) < 6000  # small
    correct = list(table["Correct"])
    assert correct == sorted(correct)  # wrong answers first
    assert "with several acceptable classes" in page_text(at)


def test_accuracy_in_the_device_default_compute_from_the_select(workspace: Path) -> None:
    """The compute select beside "Measure accuracy": f32 first (unchanged default); "default"
    submits the job with compute_precision default and the page names the read-back precision."""
    from core.sample import seed_sample
    from core.store import Result, session_scope

    seed_sample()
    at = open_page(PAGE)
    labelled = next(o for o in at.selectbox(key="optimize_dataset").options if "rotated" in o)
    at.radio(key="optimize_method").set_value("fp16").run()
    at.selectbox(key="optimize_dataset").select(labelled).run()
    select = at.selectbox(key="accuracy_compute")
    assert select.value == "f32" and select.options[0].startswith("f32")
    # The form is the AccuracyRequest's: its limit widget, and the compute select's label and help.
    assert_page_offers(at, AccuracyRequest, "accuracy", skip=("compute_precision",))
    declared = AccuracyRequest.option("compute_precision").info
    assert (select.label, select.help) == (declared.label, declared.help)
    select.set_value("default").run()
    at.button(key="accuracy_start").click().run()
    job = wait_for_job(at.session_state["optimize_accuracy_job"], timeout_s=180)
    assert job.state == "done", job.error
    at.run()
    assert not at.exception, at.exception
    default = device_compute("CPU")["default"]
    with session_scope() as s:
        stored = s.get(Result, job.result["result_id"])
        assert stored.config["compute_precision"] == "default" and stored.metrics["compute_precision"] == default
    assert f"Computed in {default} (read back from the compiled model)" in page_text(at)
