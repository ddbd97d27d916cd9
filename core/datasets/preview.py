"""A few preprocessed samples, shown before a long run so a wrong crop or colour is caught early."""

from __future__ import annotations

from typing import Any

from core.datasets.feeding import ImageSource, SampleSource
from core.datasets.preprocessing import tensor_to_preview


def preview_samples(source: SampleSource, count: int = 4) -> list[dict[str, Any]]:
    """`count` samples spread over the dataset (so several classes show): what the model will
    see, plus tensor shape and value range.

    For images, `picture` is an RGB uint8 view of the tensor; for .npz/random there is no
    picture, only the numbers.
    """
    samples = []
    spread = sorted({round(i * (len(source) - 1) / max(1, count - 1)) for i in range(count)}) if len(source) else []
    for index in spread[: len(source)]:
        inputs = source.inputs(index)
        first_name, tensor = next(iter(inputs.items()))
        label = source.label(index)
        samples.append({
            "name": source.name(index),
            "label": label,
            "class": source.classes[label] if source.classes and label is not None and label < len(source.classes)
            else label,
            "input": first_name,
            "shape": list(tensor.shape),
            "dtype": tensor.dtype.name,
            "min": float(tensor.min()),
            "max": float(tensor.max()),
            "mean": float(tensor.mean()),
            "picture": tensor_to_preview(tensor, source.spec) if isinstance(source, ImageSource) else None,
        })
    return samples
