"""Can this dataset belong to this model? Answered from the model's shapes and the stored labels.

A dataset that cannot belong to the model must never be scored: the sample's 4-class
document-orientation set measured on a 1,000-class ImageNet classifier gave "0.00 % vs
0.00 %", and that number was then compared with other variants. The answer here costs no
inference (static output shapes, label facts recorded at import), so pages can grey out or
drop an unfit dataset before anything runs, and jobs refuse it again with the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.datasets.catalog import KIND_NPZ, class_names_of
from core.datasets.preprocessing import spec_from_model
from core.errors import UserError
from core.store import Dataset

FIT_HINT = "Pick a dataset made for this model (its classes in the model's output order), or one without labels."


@dataclass(frozen=True)
class OutputClasses:
    """What the model's outputs say about classification, read from static shapes."""

    classifier: bool | None  # None: cannot tell before running (dynamic ranks)
    count: int | None  # class scores per sample, when static
    described: str  # the outputs as a reader sees them, e.g. "logits [1,1000]"


def _output_name(port: Any, position: int) -> str:
    try:
        return port.get_any_name()
    except RuntimeError:
        return f"output{position}"


def output_classes(model: Any) -> OutputClasses:
    """Does exactly one output look like class scores ([N, C] or [N, C, 1, 1]), and how many classes?"""
    candidates: list[int | None] = []
    unknown = False
    described = []
    for position, port in enumerate(model.outputs):
        shape = port.get_partial_shape()
        described.append(f"{_output_name(port, position)} {shape}")
        if shape.rank.is_dynamic:
            unknown = True
            continue
        dims = list(shape)
        rank = len(dims)
        if rank == 2 or (rank == 4 and all(d.is_static and d.get_length() == 1 for d in dims[2:])):
            classes = dims[1]
            if classes.is_dynamic:
                candidates.append(None)
            elif classes.get_length() >= 2:
                candidates.append(classes.get_length())
    text = ", ".join(described)
    if len(candidates) == 1:
        return OutputClasses(True, candidates[0], text)
    if unknown and not candidates:
        return OutputClasses(None, None, text)
    return OutputClasses(False, None, text)


def _preview(names: list[str], limit: int = 4) -> str:
    shown = ", ".join(names[:limit])
    return shown + (" …" if len(names) > limit else "")


def label_problem(dataset: Dataset, model: Any) -> str | None:
    """Why the dataset's labels cannot be this model's classes, or None when they can (or there are none).

    - task: labels are classes, so the model must have one class-score output;
    - class count: a dataset that names its classes (labels file, class-name folders) names
      the model's whole output, so the counts must be equal;
    - class indices: no label may point past the model's last class.
    """
    info = dataset.info or {}
    if not info.get("labelled"):
        return None
    outputs = output_classes(model)
    if outputs.classifier is False:
        return (f"The dataset {dataset.name!r} is labelled with classes (classification), but the model's "
                f"output ({outputs.described}) is not one [N, C] class-score output.")
    if outputs.count is None:
        return None  # dynamic class axis: checked per sample while measuring
    names = class_names_of(dataset)
    if names is not None and len(names) != outputs.count:
        return (f"The dataset {dataset.name!r} names {len(names)} classes ({_preview(names)}); the model scores "
                f"{outputs.count} classes, so its labels belong to another model.")
    highest = info.get("max_class")
    if highest is None and dataset.classes and dataset.kind == KIND_NPZ:
        highest = max(int(c) for c in dataset.classes)
    if highest is not None and int(highest) >= outputs.count:
        return (f"The dataset {dataset.name!r} has labels up to class index {int(highest)}; the model scores only "
                f"{outputs.count} classes (0–{outputs.count - 1}).")
    return None


def input_problem(dataset: Dataset, model: Any) -> str | None:
    """Why the dataset's samples cannot feed the model at all (images vs a non-image input, tensor names)."""
    if dataset.kind == KIND_NPZ:
        arrays = (dataset.info or {}).get("arrays") or {}
        wanted = {port.get_any_name(): port for port in model.inputs}
        names = {name for port in model.inputs for name in port.get_names()} | set(wanted)
        strangers = [key for key in arrays if key not in names]
        if strangers:
            return f"The .npz array(s) {', '.join(strangers)} match no model input (inputs: {', '.join(wanted)})."
        return None
    try:
        spec_from_model(model)
    except UserError as exc:
        return exc.message
    return None


def dataset_problem(dataset: Dataset, model: Any, purpose: str = "accuracy") -> str | None:
    """The first reason this dataset does not fit the model for `purpose`, or None.

    Calibration reads images only, so labels that belong to another model do not stop it
    (the labels are then ignored and said so); accuracy and validation score the labels.
    """
    problem = input_problem(dataset, model)
    if problem is None and purpose in ("accuracy", "validation"):
        problem = label_problem(dataset, model)
    return problem
