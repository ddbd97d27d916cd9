"""The conversion check on the Import & convert page (AppTest): the verdict in f32 compute in
green, the device-default deviation as information (never red), the numbers as plain text."""

from __future__ import annotations

from pathlib import Path

from core.convert import ConvertOptions, InputSpec, convert_model_to_variant
from core.importer import import_paths
from core.precision import device_compute
from tests.conftest import open_page
from tests.models_imagenet import IMAGENET_MEAN, IMAGENET_SCALE, make_imagenet_classifier_onnx

PAGE = "pages/import.py"


def test_check_verdict_in_f32_and_default_compute_as_information(workspace: Path, tmp_path: Path) -> None:
    model_id = import_paths([make_imagenet_classifier_onnx(tmp_path)])["model_id"]
    convert_model_to_variant(model_id, ConvertOptions(inputs=[InputSpec("input", "1,3,224,224")], reverse_channels=True,
                                                      mean_values={"": IMAGENET_MEAN}, scale_values={"": IMAGENET_SCALE}))
    at = open_page(PAGE)
    assert not at.exception
    assert [e.value for e in at.success] == ["Conversion check: the IR matches the original model in f32 compute."]
    assert not at.error  # a correct conversion is never red, whatever the device default
    texts = [str(t.value) for t in at.text]
    assert any(t.startswith("Conversion check (f32 compute): match, max |diff| ") and "ONNX Runtime" in t for t in texts), texts
    device = device_compute("CPU")
    infos = [str(i.value) for i in at.info]
    if device["default_is_reduced"]:
        default = device["default"]
        line = next(i for i in infos if i.startswith(f"For information — device default ({default} compute): max |diff| "))
        assert f"the cost of {default} arithmetic, not a conversion error" in line
    else:
        assert not any("device default" in i for i in infos)
        assert any("computes in f32 by default too" in str(c.value) for c in at.caption)
