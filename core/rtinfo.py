"""What the workbench writes into an IR's rt_info, so it travels with the .xml file.

Keys (each value is one JSON string, because rt_info keys become XML element names and
tensor names such as "input:0" or "data/1" are not valid ones):

- rt_info ["ovwb", "preprocessing"]: JSON object, one entry per model input that got
  embedded preprocessing, keyed by the input's tensor name:
    {"layout": "NCHW", "channels": 3,
     "steps": ["reverse_channels", "mean", "scale"],   # in the order they run
     "reverse_channels": true, "mean_values": [123.675, ...] | null,
     "scale_values": [58.395, ...] | null}
  Semantics are the Model Optimizer's: channels are reversed first, then the mean is
  subtracted and the result divided by the scale, both given in the model's own channel
  order. So with reverse_channels a model trained on RGB takes BGR images (OpenCV) in
  0..255, and later steps (accuracy, calibration data, the conversion check) must feed
  raw pixels, not normalised ones.
- rt_info ["ovwb", "conversion"]: JSON object with the conversion options, the source
  format and file name, the OpenVINO version and the conversion time in seconds.
"""

from __future__ import annotations

import json
from typing import Any

PREPROCESSING_KEY = ["ovwb", "preprocessing"]
CONVERSION_KEY = ["ovwb", "conversion"]


def _read_json(model: Any, key: list[str]) -> Any:
    if not model.has_rt_info(key):
        return None
    value = model.get_rt_info(key)
    text = value.astype(str) if hasattr(value, "astype") else str(value)
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None


def read_preprocessing(model: Any) -> dict[str, Any]:
    """The embedded preprocessing per input name ({} when the IR has none)."""
    return _read_json(model, PREPROCESSING_KEY) or {}


def write_preprocessing(model: Any, per_input: dict[str, Any]) -> None:
    if per_input:
        model.set_rt_info(json.dumps(per_input, sort_keys=True), PREPROCESSING_KEY)


def read_conversion(model: Any) -> dict[str, Any]:
    return _read_json(model, CONVERSION_KEY) or {}


def write_conversion(model: Any, info: dict[str, Any]) -> None:
    model.set_rt_info(json.dumps(info, sort_keys=True, default=str), CONVERSION_KEY)
