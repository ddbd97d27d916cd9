"""Turn a decoded image into exactly the tensor a model input expects (OpenCV, no torch).

The settings are pre-filled from the model: input size and layout from its shape, and whether
the IR already normalises (our convert can embed mean/scale/channel reversal into the IR and
records that in rt_info). In that case the model wants BGR 0–255 pixels, resized only, and we
must not normalise a second time — a silent accuracy killer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import cv2
import numpy as np

from core.errors import UserError
from core.rtinfo import read_preprocessing

IMAGENET_MEAN_255 = [123.675, 116.28, 103.53]
IMAGENET_SCALE_255 = [58.395, 57.12, 57.375]
RESIZE_MODES = ("center_crop", "stretch")
COLOR_ORDERS = ("RGB", "BGR", "GRAY")
LAYOUTS = ("NCHW", "NHWC")
INTERPOLATIONS = {"linear": cv2.INTER_LINEAR, "area": cv2.INTER_AREA, "cubic": cv2.INTER_CUBIC,
                  "lanczos": cv2.INTER_LANCZOS4}
DEFAULT_SIZE = 224



def require_choice(value: object, choices: tuple[object, ...], what: str) -> None:
    """UserError naming the allowed values when a setting (from a form, flag or dict) is not one."""
    if value not in choices:
        shown = ", ".join(str(c) if c != "" else "(empty)" for c in choices)
        raise UserError(f"Unknown {what} {value!r}.", f"Use one of {shown}.")


@dataclass
class PreprocessSpec:
    """How images become the tensor of one model input; stored with every job that used it."""

    input_name: str = ""
    width: int = DEFAULT_SIZE
    height: int = DEFAULT_SIZE
    resize: str = "center_crop"  # short side to size/crop_fraction, then center crop
    crop_fraction: float = 0.875  # 224 of 256, the usual ImageNet evaluation crop
    interpolation: str = "linear"
    color: str = "RGB"
    mean: list[float] | None = field(default_factory=lambda: list(IMAGENET_MEAN_255))
    scale: list[float] | None = field(default_factory=lambda: list(IMAGENET_SCALE_255))
    layout: str = "NCHW"
    dtype: str = "float32"
    embedded: list[str] = field(default_factory=list)  # steps the IR applies itself: reverse_channels/mean/scale

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> PreprocessSpec:
        known = {f.name for f in fields(cls)}
        spec = cls(**{k: v for k, v in (data or {}).items() if k in known})
        spec.check()
        return spec

    def check(self) -> None:
        require_choice(self.resize, RESIZE_MODES, "resize mode")
        require_choice(self.color, COLOR_ORDERS, "colour order")
        require_choice(self.layout, LAYOUTS, "layout")
        require_choice(self.interpolation, tuple(INTERPOLATIONS), "interpolation")
        if self.width < 1 or self.height < 1:
            raise UserError(f"The input size {self.width}x{self.height} is not positive.")
        if not 0.1 <= self.crop_fraction <= 1.0:
            raise UserError(f"The crop fraction {self.crop_fraction} must be between 0.1 and 1.")
        channels = 1 if self.color == "GRAY" else 3
        for label, values in (("mean", self.mean), ("scale", self.scale)):
            if values is not None and len(values) not in (1, channels):
                raise UserError(f"The {label} values {values} need 1 or {channels} numbers.")
        if self.scale is not None and any(v == 0 for v in self.scale):
            raise UserError("A scale value of 0 would divide by zero.")
        for step, values in (("mean", self.mean), ("scale", self.scale)):
            if step in self.embedded and values is not None:
                raise UserError(
                    f"This IR already applies its {step} values itself (embedded by convert); "
                    "normalising again would feed it wrong values.",
                    f"Leave {step} empty for this model: it wants resized pixels in 0-255.",
                )

    @property
    def embedded_in_ir(self) -> bool:
        return bool(self.embedded)

    @property
    def channels(self) -> int:
        return 1 if self.color == "GRAY" else 3


def parse_floats(text: str | None) -> list[float] | None:
    """'123.7,116.3,103.5' or '[1 2 3]' from a CLI flag or a text box; empty means none."""
    if text is None or not str(text).strip():
        return None
    cleaned = str(text).replace("[", " ").replace("]", " ").replace(",", " ")
    try:
        return [float(part) for part in cleaned.split()]
    except ValueError as exc:
        raise UserError(f"{text!r} is not a list of numbers.", "Write them like 123.675,116.28,103.53.") from exc


def image_input(model: Any) -> Any:
    """The one input images can feed: rank 4 with 1 or 3 channels; UserError otherwise."""
    if len(model.inputs) != 1:
        names = ", ".join(port.get_any_name() for port in model.inputs)
        raise UserError(
            f"The model has {len(model.inputs)} inputs ({names}); an image folder can feed only one.",
            "Upload a .npz with one array per input name instead.",
        )
    port = model.inputs[0]
    shape = port.get_partial_shape()
    if shape.rank.is_dynamic or shape.rank.get_length() != 4:
        raise UserError(
            f"The model input {port.get_any_name()} has shape {shape}, not an image batch [N,C,H,W] or [N,H,W,C].",
            "Upload a .npz with arrays shaped like the input instead.",
        )
    return port


def _static(dim: Any) -> int | None:
    return dim.get_length() if dim.is_static else None


def _guess_layout(port: Any) -> str:
    """Layout recorded in the IR if any, else the position of a 1- or 3-sized axis."""
    try:
        import openvino as ov

        layout = ov.layout_helpers.get_layout(port)
        text = layout.to_string().strip("[]").replace(",", "").upper()
        if text in LAYOUTS:
            return text
    except Exception:  # layouts are optional in IR; fall through to the guess
        pass
    shape = port.get_partial_shape()
    second, last = _static(shape[1]), _static(shape[3])
    if second in (1, 3):
        return "NCHW"
    if last in (1, 3):
        return "NHWC"
    return "NCHW"


def embedded_steps(model: Any, input_name: str) -> list[str]:
    """Preprocessing steps our convert embedded into the IR for this input (from rt_info)."""
    record = read_preprocessing(model).get(input_name) or {}
    steps = []
    if record.get("reverse_channels"):
        steps.append("reverse_channels")
    if record.get("mean_values") is not None:
        steps.append("mean")
    if record.get("scale_values") is not None:
        steps.append("scale")
    return steps


def hint_values(hints: dict[str, Any]) -> dict[str, Any]:
    """Spec fields from a model record's preprocessing notes.

    Understands our own field names and the training-recipe style the sample uses
    ({"resize_short": 256, "crop": 224, "scale_to_unit": true, "mean": [0.485, ...],
    "std": [0.229, ...]}), converting 0..1 statistics to the 0..255 units OpenVINO uses.
    """
    values = {k: hints[k] for k in ("resize", "crop_fraction", "interpolation", "color", "mean", "scale") if k in hints}
    if hints.get("resize_short") and hints.get("crop"):
        values.update(resize="center_crop", crop_fraction=float(hints["crop"]) / float(hints["resize_short"]))
    unit = 255.0 if hints.get("scale_to_unit") else 1.0
    if "mean" in hints and hints["mean"] is not None:
        values["mean"] = [float(v) * unit for v in hints["mean"]]
    if "std" in hints and hints["std"] is not None:
        values["scale"] = [float(v) * unit for v in hints["std"]]
    elif hints.get("scale_to_unit") and "scale" not in hints:
        values["scale"] = [255.0]
    if values.get("color") not in (None, *COLOR_ORDERS):
        values.pop("color")
    return values


def spec_from_model(model: Any, hints: dict[str, Any] | None = None) -> PreprocessSpec:
    """Pre-filled settings for `model` (an ov.Model): the user reviews them before a long run.

    `hints` (e.g. a model's stored info["preprocessing"]) override the generic ImageNet
    defaults, but never the facts read from the IR (size, layout, embedded normalisation).
    """
    port = image_input(model)
    layout = _guess_layout(port)
    shape = port.get_partial_shape()
    c_axis, h_axis, w_axis = (1, 2, 3) if layout == "NCHW" else (3, 1, 2)
    channels = _static(shape[c_axis])
    if channels not in (None, 1, 3):
        raise UserError(
            f"The model input {port.get_any_name()} has {channels} channels; images have 1 or 3.",
            "Upload a .npz with arrays shaped like the input instead.",
        )
    spec = PreprocessSpec(
        input_name=port.get_any_name(),
        width=_static(shape[w_axis]) or DEFAULT_SIZE,
        height=_static(shape[h_axis]) or DEFAULT_SIZE,
        layout=layout,
        dtype=np.dtype(port.get_element_type().to_dtype()).name,
        color="GRAY" if channels == 1 else "RGB",
    )
    if hints:
        spec = replace(spec, **hint_values(hints))
    embedded = embedded_steps(model, spec.input_name)
    if embedded:
        # The IR reverses channels itself (an RGB-trained model then takes OpenCV's BGR) and/or
        # normalises: feed raw 0-255 pixels for the embedded parts, never normalise twice.
        color = spec.color
        if "reverse_channels" in embedded and color in ("RGB", "BGR"):
            color = "BGR" if color == "RGB" else "RGB"
        spec = replace(
            spec, embedded=embedded, color=color,
            mean=None if "mean" in embedded else spec.mean,
            scale=None if "scale" in embedded else spec.scale,
        )
    spec.check()
    return spec


def preprocess_image(image_bgr: np.ndarray, spec: PreprocessSpec) -> np.ndarray:
    """One decoded BGR (OpenCV) image to a batch-of-one tensor for `spec`."""
    image = image_bgr
    if spec.color == "GRAY":
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)[:, :, None] if image.ndim == 3 else image[:, :, None]
    elif spec.color == "RGB":
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    interpolation = INTERPOLATIONS[spec.interpolation]
    if spec.resize == "center_crop":
        h, w = image.shape[:2]
        factor = max(spec.width / w, spec.height / h) / spec.crop_fraction
        new_w, new_h = max(spec.width, round(w * factor)), max(spec.height, round(h * factor))
        image = cv2.resize(image, (new_w, new_h), interpolation=interpolation)
        top, left = (new_h - spec.height) // 2, (new_w - spec.width) // 2
        image = image[top : top + spec.height, left : left + spec.width]
    else:
        image = cv2.resize(image, (spec.width, spec.height), interpolation=interpolation)
    if image.ndim == 2:
        image = image[:, :, None]
    tensor = image.astype(np.float32)
    if spec.mean is not None:
        tensor -= np.asarray(spec.mean, dtype=np.float32)
    if spec.scale is not None:
        tensor /= np.asarray(spec.scale, dtype=np.float32)
    if spec.layout == "NCHW":
        tensor = tensor.transpose(2, 0, 1)
    return np.ascontiguousarray(tensor[None].astype(spec.dtype, copy=False))


def tensor_to_preview(tensor: np.ndarray, spec: PreprocessSpec) -> np.ndarray:
    """A preprocessed tensor back to a viewable RGB uint8 picture (min-max stretched).

    Shows what the model will actually see: crop, orientation and colour order included
    (a BGR tensor shown as RGB looks blue-faced — on purpose, that is the check).
    """
    sample = tensor[0]
    if spec.layout == "NCHW":
        sample = sample.transpose(1, 2, 0)
    sample = sample.astype(np.float32)
    low, high = float(sample.min()), float(sample.max())
    picture = np.zeros_like(sample) if high <= low else (sample - low) / (high - low) * 255.0
    picture = picture.astype(np.uint8)
    if picture.shape[2] == 1:
        picture = np.repeat(picture, 3, axis=2)
    return picture
