"""A few preprocessed samples, shown before a long run so a wrong crop or colour is caught early."""

from __future__ import annotations

from typing import Any

from core.datasets.catalog import get_dataset, load_manifest
from core.datasets.feeding import ImageSource, SampleSource, read_image
from core.datasets.preprocessing import tensor_to_preview
from core.errors import UserError


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
        labels = source.labels(index)
        label = labels[0] if labels else None
        names = getattr(source, "class_names", None)
        samples.append({
            "name": source.name(index),
            "label": label,
            "labels": list(labels),
            "class": " | ".join(str(names[c]) if names and c < len(names) else str(c) for c in labels) if labels
            else None,
            "input": first_name,
            "shape": list(tensor.shape),
            "dtype": tensor.dtype.name,
            "min": float(tensor.min()),
            "max": float(tensor.max()),
            "mean": float(tensor.mean()),
            "picture": tensor_to_preview(tensor, source.spec) if isinstance(source, ImageSource) else None,
        })
    return samples


def thumbnail_data_urls(dataset_id: int, files: list[str], size: int = 48) -> dict[str, str]:
    """Small JPEG thumbnails (longest side `size` px) of dataset images, as data URLs for a table.

    Made with OpenCV from the stored files; a file that is not inside the dataset folder, or
    does not decode, simply has no thumbnail.
    """
    import base64

    import cv2

    try:
        root, manifest = load_manifest(get_dataset(dataset_id))
    except UserError:
        return {}
    known = set(manifest.files)
    thumbnails = {}
    for file in files:
        if file not in known:
            continue
        try:
            image = read_image(root / file)
        except UserError:
            continue
        scale = size / max(image.shape[:2])
        small = cv2.resize(image, (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale))),
                           interpolation=cv2.INTER_AREA)
        ok, encoded = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 70])
        if ok:
            thumbnails[file] = "data:image/jpeg;base64," + base64.b64encode(encoded.tobytes()).decode("ascii")
    return thumbnails
