"""Sample packs: what a remote target is sent instead of a dataset it cannot open.

Real datasets (photos with labels, tensors in a .npz) and real models; a packed source must
give a measurement exactly what the dataset gives it on this machine."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import numpy as np
import openvino as ov
import pytest
from orientation_data import ORIENTATION_HINTS, orientation_ir, photo_paths, write_rotated_dataset

from core.accuracy import evaluate
from core.accuracy.measure import accuracy_on_samples, measure_accuracy
from core.datasets import import_dataset, open_source, spec_from_model
from core.datasets.packs import PackedSource, packed_samples, write_pack
from core.errors import UserError


@pytest.fixture(scope="module")
def orientation_xml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return orientation_ir(tmp_path_factory.mktemp("orientation"))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_packed_image_dataset_feeds_and_scores_as_the_dataset_does(workspace: Path, tmp_path: Path,
                                                                      orientation_xml: Path) -> None:
    model = ov.Core().read_model(orientation_xml)
    dataset = import_dataset(write_rotated_dataset(tmp_path / "rot", photo_paths()[:3]))
    source = open_source(dataset, model, spec_from_model(model, ORIENTATION_HINTS))
    indices = list(range(len(source)))
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    write_pack(source, indices, first)
    write_pack(source, indices, second)
    assert _digest(first) == _digest(second), "equal samples must give equal bytes (the target's cache key)"
    # Encoded files travel, not decoded tensors: the pack is about the size of the images.
    assert first.stat().st_size < 2 * sum((source.root / f).stat().st_size for f in source.manifest.files) + 65536
    packed = PackedSource(first)
    assert len(packed) == len(source) and packed.labelled and packed.class_names == source.class_names
    for index in indices:
        assert packed.name(index) == source.name(index) and packed.labels(index) == source.labels(index)
        ours, theirs = packed.inputs(index), source.inputs(index)
        assert ours.keys() == theirs.keys()
        assert all(np.array_equal(ours[k], theirs[k]) for k in ours)
    here = evaluate(model, source, reference=model)
    there = evaluate(model, packed, reference=model)
    assert there["model"] == here["model"] and there["per_image"] == here["per_image"]
    assert there["dataset_id"] == dataset


def test_the_accuracy_adapter_on_a_pack_gives_the_local_figure(workspace: Path, tmp_path: Path,
                                                               orientation_xml: Path) -> None:
    fp16 = tmp_path / "fp16.xml"
    ov.save_model(ov.Core().read_model(orientation_xml), str(fp16), compress_to_fp16=True)
    model = ov.Core().read_model(orientation_xml)
    dataset = import_dataset(write_rotated_dataset(tmp_path / "rot", photo_paths()[:4]))
    spec = spec_from_model(model, ORIENTATION_HINTS)
    local = measure_accuracy(fp16, dataset, orientation_xml, spec, limit=10)
    source = open_source(dataset, model, spec)
    with packed_samples(source, range(10)) as pack:
        assert workspace in pack.parents  # a scratch file of the workspace ...
        remote = accuracy_on_samples(fp16, lambda *_: None, str(pack), str(orientation_xml))
    assert not pack.exists()  # ... removed after the measurement
    assert remote["samples"] == local["samples"] == 10
    assert (remote["metric"], remote["value"], remote["reference_value"]) == (
        local["metric"], local["value"], local["reference_value"])
    assert remote["preprocessing"] == local["preprocessing"] and remote["dataset_id"] == dataset


def test_a_packed_tensor_dataset_keeps_its_rows_and_labels(workspace: Path, tmp_path: Path) -> None:
    from models_onnx import make_two_input_onnx, two_input_tensors

    model = ov.Core().read_model(make_two_input_onnx(tmp_path / "two"))
    npz = two_input_tensors(tmp_path / "tensors.npz")
    source = open_source(import_dataset(npz), model)
    pack = tmp_path / "pack.npz"
    write_pack(source, [1, 3, 5], pack)
    packed = PackedSource(pack)
    assert len(packed) == 3 and not packed.labelled
    for n, index in enumerate([1, 3, 5]):
        ours, theirs = packed.inputs(n), source.inputs(index)
        assert ours.keys() == theirs.keys() and all(np.array_equal(ours[k], theirs[k]) for k in ours)


def test_a_damaged_pack_is_a_clear_error(workspace: Path, tmp_path: Path, orientation_xml: Path) -> None:
    model = ov.Core().read_model(orientation_xml)
    source = open_source(import_dataset(write_rotated_dataset(tmp_path / "rot", photo_paths()[:2])), model,
                         spec_from_model(model, ORIENTATION_HINTS))
    pack = tmp_path / "pack.npz"
    write_pack(source, range(len(source)), pack)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(pack.read_bytes()[: pack.stat().st_size // 2])
    with pytest.raises(UserError, match="cannot be read"):
        PackedSource(truncated)
    # Only plain arrays are read: an object array (a pickle inside) is refused, never unpickled.
    pickled = tmp_path / "pickled.npz"
    with zipfile.ZipFile(pickled, "w") as archive:
        with archive.open("meta.npy", "w") as handle:
            np.lib.format.write_array(handle, np.array([{"version": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(UserError, match="cannot be read"):
        PackedSource(pickled)
