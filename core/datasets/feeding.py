"""Samples a model can eat: dataset items turned into {input name: tensor}, checked up front.

Everything that would make a calibration or accuracy job fail half-way (wrong tensor names,
channel count, image size, too few samples) is found here, before the job starts, and told
to the user as a UserError. Samples are produced lazily, one at a time, so a large image
folder never has to fit in memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np

from core.datasets.catalog import KIND_NPZ, NPZ_LABELS_KEY, class_names_of, get_dataset, label_set, load_manifest
from core.datasets.fitness import FIT_HINT, label_problem
from core.datasets.preprocessing import (
    PreprocessSpec,
    embedded_steps,
    image_input,
    preprocess_image,
    spec_from_model,
)
from core.errors import UserError
from core.store import Dataset
from core.workspace import resolve

MIN_SAMPLES = 5  # fewer cannot represent activation ranges, nor give a meaningful accuracy


def read_image(path: Path) -> np.ndarray:
    """BGR uint8 image (np.fromfile + imdecode: works for any file name, unlike cv2.imread)."""
    image = cv2.imdecode(np.fromfile(path, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise UserError(f"The image {path.name} cannot be decoded.")
    return image


class SampleSource:
    """Indexable samples of one dataset for one model."""

    kind = "dataset"

    # Why the dataset's labels are not used for this model (they belong to another one), if so.
    ignored_labels: str | None = None

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.dataset_id: int | None = dataset.id
        self.classes: list[Any] | None = dataset.classes
        self.class_names: list[str] | None = class_names_of(dataset)

    def __len__(self) -> int:
        raise NotImplementedError

    def inputs(self, index: int) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _labels(self, index: int) -> tuple[int, ...]:
        raise NotImplementedError

    def labels(self, index: int) -> tuple[int, ...]:
        """Every acceptable class index of a sample (one for most datasets; empty when unlabelled)."""
        return () if self.ignored_labels else self._labels(index)

    def label(self, index: int) -> int | None:
        """The first acceptable class (for displays that show one), or None when unlabelled."""
        labels = self.labels(index)
        return labels[0] if labels else None

    def ignore_labels(self, reason: str) -> None:
        """Use the samples, not their labels (e.g. calibrating on images labelled for another model)."""
        self.ignored_labels = reason

    @property
    def labelled(self) -> bool:
        return len(self) > 0 and self.label(0) is not None

    def name(self, index: int) -> str:
        return f"#{index}"

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "dataset_id": self.dataset_id, "samples": len(self), "labelled": self.labelled}


class ImageSource(SampleSource):
    kind = "images"

    def __init__(self, dataset: Dataset, spec: PreprocessSpec) -> None:
        super().__init__(dataset)
        self.spec = spec
        self.root, self.manifest = load_manifest(dataset)

    def __len__(self) -> int:
        return len(self.manifest.files)

    def image(self, index: int) -> np.ndarray:
        return read_image(self.root / self.manifest.files[index])

    def inputs(self, index: int) -> dict[str, np.ndarray]:
        return {self.spec.input_name: preprocess_image(self.image(index), self.spec)}

    def _labels(self, index: int) -> tuple[int, ...]:
        return label_set(self.manifest.labels[index])

    def name(self, index: int) -> str:
        return self.manifest.files[index]

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "preprocessing": self.spec.to_dict()}


class NpzSource(SampleSource):
    kind = "npz"

    def __init__(self, dataset: Dataset) -> None:
        super().__init__(dataset)
        with np.load(resolve(dataset.path), allow_pickle=False) as npz:
            self.arrays = {key: npz[key] for key in npz.files if key != NPZ_LABELS_KEY}
            self.label_array = npz[NPZ_LABELS_KEY] if NPZ_LABELS_KEY in npz.files else None

    def __len__(self) -> int:
        return int(next(iter(self.arrays.values())).shape[0])

    def inputs(self, index: int) -> dict[str, np.ndarray]:
        return {name: array[index : index + 1] for name, array in self.arrays.items()}

    def _labels(self, index: int) -> tuple[int, ...]:
        return () if self.label_array is None else (int(self.label_array[index]),)


class RandomSource(SampleSource):
    """Uniform noise shaped like the inputs: lets a user try INT8 without data, never silently.

    Ranges calibrated on noise say nothing about real activations; every result made from it
    carries RANDOM_DATA_WARNING.
    """

    kind = "random"

    def __init__(self, model: Any, count: int = 32, seed: int = 0) -> None:
        self.dataset_id = None
        self.classes = None
        self.class_names = None
        self.count = count
        self.seed = seed
        self.shapes: dict[str, tuple[list[int], Any]] = {}
        for port in model.inputs:
            shape = port.get_partial_shape()
            if shape.rank.is_dynamic:
                raise UserError(f"The input {port.get_any_name()} has a dynamic rank; random data needs a shape.")
            dims = [d.get_length() if d.is_static else (1 if i == 0 else 224) for i, d in enumerate(shape)]
            self.shapes[port.get_any_name()] = (dims, port.get_element_type().to_dtype())

    def __len__(self) -> int:
        return self.count

    def inputs(self, index: int) -> dict[str, np.ndarray]:
        rng = np.random.default_rng(self.seed + index)
        return {name: rng.uniform(-1, 1, dims).astype(dtype) for name, (dims, dtype) in self.shapes.items()}

    def _labels(self, index: int) -> tuple[int, ...]:
        return ()

    def held_out(self, count: int) -> RandomSource:
        """Other noise of the same shapes (a different seed), for measuring after calibrating."""
        other = RandomSource.__new__(RandomSource)
        other.__dict__.update(self.__dict__)
        other.count, other.seed = count, self.seed + 10_000
        return other


RANDOM_DATA_WARNING = (
    "Calibrated on random data: quantization ranges do not reflect real inputs, so accuracy "
    "may be far worse than with real samples. Use only to try the workflow."
)


def _port_names(port: Any) -> set[str]:
    return set(port.get_names()) | {port.get_any_name()}


def _check_npz(source: NpzSource, model: Any) -> None:
    import openvino as ov

    arrays = source.arrays
    wanted = {port.get_any_name(): port for port in model.inputs}
    matched: dict[str, str] = {}
    for key in arrays:
        port = next((p for p in model.inputs if key in _port_names(p)), None)
        if port is None:
            raise UserError(
                f"The .npz array {key!r} matches no model input (inputs: {', '.join(wanted)}).",
                "Name each array exactly like a model input.",
            )
        matched[port.get_any_name()] = key
    missing = [name for name in wanted if name not in matched]
    if missing:
        raise UserError(f"The .npz has no array for the model input(s) {', '.join(missing)}.",
                        "Add one array per model input, named like the input.")
    for name, key in matched.items():
        sample_shape = [1, *arrays[key].shape[1:]]
        partial = wanted[name].get_partial_shape()
        if not partial.compatible(ov.PartialShape(sample_shape)):
            raise UserError(
                f"The .npz array {key!r} gives samples of shape {sample_shape}; the input {name} wants {partial}.",
                "The first axis is the sample axis; each sample is fed with batch size 1.",
            )


def _check_images(spec: PreprocessSpec, model: Any) -> None:
    port = image_input(model)
    embedded = embedded_steps(model, port.get_any_name())
    for step, values in (("mean", spec.mean), ("scale", spec.scale)):
        if step in embedded and values is not None:
            raise UserError(
                f"This IR already applies its {step} values itself (embedded by convert); normalising again "
                "would feed it wrong values.",
                f"Leave {step} empty: the IR wants resized pixels in 0-255.",
            )
    shape = port.get_partial_shape()
    c_axis, h_axis, w_axis = (1, 2, 3) if spec.layout == "NCHW" else (3, 1, 2)
    channels = shape[c_axis]
    if channels.is_static and channels.get_length() != spec.channels:
        raise UserError(
            f"The model input {port.get_any_name()} has {channels.get_length()} channel(s) in layout {spec.layout}; "
            f"the preprocessing makes {spec.channels} ({spec.color}).",
            "Choose the colour order (GRAY for 1 channel) and layout that match the model.",
        )
    for axis, value, label in ((h_axis, spec.height, "height"), (w_axis, spec.width, "width")):
        dim = shape[axis]
        if dim.is_static and dim.get_length() != value:
            raise UserError(
                f"The model input wants {label} {dim.get_length()}, the preprocessing makes {value}.",
                "Set the resize size to the model's input size.",
            )
    if spec.input_name and spec.input_name not in _port_names(port):
        raise UserError(f"The model has no input named {spec.input_name!r} (it has {port.get_any_name()}).")


def open_source(
    dataset_id: int | None,
    model: Any,
    spec: PreprocessSpec | None = None,
    minimum: int = MIN_SAMPLES,
    purpose: str = "calibration",
    random_count: int = 32,
) -> SampleSource:
    """A checked sample source for `model` (ov.Model); dataset_id None means random data.

    Data that cannot belong to the model is refused here, before any job exists (and again
    inside the job, which opens its source the same way): inputs it cannot feed, and — for
    accuracy and validation — labels that are not this model's classes. Calibration only
    reads the images, so there such labels are ignored (`source.ignored_labels` says why).
    """
    if dataset_id is None:
        return RandomSource(model, random_count)
    dataset = get_dataset(dataset_id)
    source: SampleSource
    if dataset.kind == KIND_NPZ:
        source = NpzSource(dataset)
        _check_npz(source, model)
    else:
        spec = spec or spec_from_model(model)
        if not spec.input_name:
            spec.input_name = image_input(model).get_any_name()
        spec.check()
        _check_images(spec, model)
        source = ImageSource(dataset, spec)
    problem = label_problem(dataset, model)
    if problem is not None:
        if purpose in ("accuracy", "validation"):
            raise UserError(problem, FIT_HINT)
        source.ignore_labels(problem)
    if len(source) < minimum:
        raise UserError(
            f"The dataset {dataset.name!r} has {len(source)} sample(s); {purpose} needs at least {minimum}.",
            "Upload more samples.",
        )
    return source
