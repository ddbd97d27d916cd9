"""The user's inputs for an outputs comparison: a dataset's samples or one uploaded image.

Preprocessing is the datasets package's own (`open_source`, `preprocess_image`), so a model
sees here exactly what it sees in calibration and accuracy. The picture boxes and masks are
drawn on is the same crop/resize without normalisation: the model's view of the image.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from core.analysis.models import default_preprocessing
from core.datasets.feeding import _check_images, open_source, read_image
from core.datasets.preprocessing import PreprocessSpec, preprocess_image, spec_from_model
from core.errors import UserError
from core.ov_core import read_model
from core.workspace import new_artifact_dir, resolve, to_relative

ORIGINAL_NAME_FILE = "original_name.txt"
UPLOAD_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


class ImageFileSource:
    """One image file as a one-sample source (the same methods as core.datasets' ImageSource)."""

    kind = "image"
    classes = None
    labelled = False
    dataset_id = None

    def __init__(self, path: Path, spec: PreprocessSpec) -> None:
        self.path = path
        self.spec = spec
        self._image = read_image(path)

    def __len__(self) -> int:
        return 1

    def image(self, index: int) -> np.ndarray:
        return self._image

    def inputs(self, index: int) -> dict[str, np.ndarray]:
        return {self.spec.input_name: preprocess_image(self._image, self.spec)}

    def label(self, index: int) -> int | None:
        return None

    def name(self, index: int) -> str:
        original = self.path.parent / ORIGINAL_NAME_FILE
        return original.read_text(encoding="utf-8") if original.is_file() else self.path.name


def store_image(data: bytes, original_name: str) -> str:
    """Keep an uploaded image in the workspace (generated name; decoded once to refuse non-images).

    Returns the workspace-relative path a request carries to its job.
    """
    suffix = Path(original_name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise UserError(f"{original_name} is not an image file this workbench reads.",
                        f"Upload one of {', '.join(UPLOAD_SUFFIXES)}.")
    if cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR) is None:
        raise UserError(f"The image {original_name} cannot be decoded.", "Re-save it as PNG or JPEG.")
    folder = new_artifact_dir("uploads")
    target = folder / f"image{suffix}"
    target.write_bytes(data)
    (folder / ORIGINAL_NAME_FILE).write_text(Path(original_name).name[:200], encoding="utf-8")  # shown, never a path
    return to_relative(target)


def open_inputs(request: Any, ref: Any) -> Any:
    """Checked samples for one model of an OutputsRequest: its dataset, or its one image."""
    model = read_model(ref.xml)
    spec = PreprocessSpec.from_dict(request.preprocessing) if request.preprocessing else default_preprocessing(ref)
    if request.dataset_id is not None:
        return open_source(int(request.dataset_id), model, spec, 1, "the outputs comparison")
    path = resolve(str(request.image_path))
    if not path.is_file():
        raise UserError(f"The image {path.name} does not exist.")
    spec = spec or spec_from_model(model)
    if not spec.input_name:
        spec.input_name = model.inputs[0].get_any_name()
    spec.check()
    _check_images(spec, model)
    return ImageFileSource(path, spec)


def model_view(image_bgr: np.ndarray, spec: PreprocessSpec) -> np.ndarray:
    """The crop/resize the model sees, as a BGR uint8 picture to draw on (no normalisation)."""
    geometry = replace(spec, color="GRAY" if spec.color == "GRAY" else "BGR", mean=None, scale=None,
                       layout="NHWC", dtype="float32", embedded=[])
    view = np.clip(preprocess_image(image_bgr, geometry)[0], 0, 255).astype(np.uint8)
    return cv2.cvtColor(view, cv2.COLOR_GRAY2BGR) if view.shape[2] == 1 else np.ascontiguousarray(view)
