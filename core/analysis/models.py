"""Which two models an analysis compares: variant ids or IR files, read once, labelled for people."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.benchmark.jobs import resolve_model
from core.datasets.defaults import spec_for_variant
from core.errors import UserError
from core.variants import get_variant


@dataclass(frozen=True, kw_only=True)
class ModelRef:
    """One side of a comparison: the IR on disk and, when it is stored, its variant id."""

    xml: Path
    variant_id: int | None
    label: str


def resolve_model_ref(value: str | int) -> ModelRef:
    """A variant id ("12") or an IR path; UserError with a hint for anything else."""
    text = str(value).strip()
    if not text:
        raise UserError("No model given.", "Pass a variant id (see `python -m core models`) or an IR .xml path.")
    if text.isdigit() and not Path(text).exists():
        variant = get_variant(int(text))
        xml, variant_id = resolve_model(variant.id, None)
        model = variant.model.name if variant.model is not None else f"model {variant.model_id}"
        return ModelRef(xml=xml, variant_id=variant_id, label=f"#{variant.id} {model} · {variant.name}")
    xml, variant_id = resolve_model(None, str(Path(text).resolve()))
    return ModelRef(xml=xml, variant_id=variant_id, label=xml.name)


def class_names(variant_id: int | None, dataset_classes: list[Any] | None) -> list[str] | None:
    """Class names for top-k: the dataset's labels file first, else the model record's labels."""
    if dataset_classes:
        return [str(c) for c in dataset_classes]
    if variant_id is None:
        return None
    variant = get_variant(variant_id)
    labels = variant.model.labels if variant.model is not None else None
    return [str(c) for c in labels] if labels else None


def default_preprocessing(ref: ModelRef) -> Any:
    """The pre-filled preprocessing of a stored variant (its model record's recipe), else None
    (open_source then derives it from the IR alone, and .npz data needs none)."""
    if ref.variant_id is None:
        return None
    try:
        return spec_for_variant(ref.variant_id)
    except UserError:
        return None
