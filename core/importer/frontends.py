"""Reading a found model with OpenVINO's frontends, with errors a user can act on.

OpenVINO reads ONNX, TFLite, TensorFlow and Paddle files natively (no framework
needed); PyTorch needs the `torch` package (an optional extra: it is large, so the app
says when it is missing instead of failing later). Frontend exceptions are long C++
traces; `explain_frontend_error` turns the common ones into a sentence naming the file,
the frontend and — for unsupported operations — the operations.
"""

from __future__ import annotations

import importlib.util
import re
import xml.etree.ElementTree as ElementTree
from functools import lru_cache
from pathlib import Path
from typing import Any

from core.errors import UserError
from core.importer.formats import FORMAT_LABELS, SourceModel
from core.ov_core import core_instance

FRONTEND_OF_FORMAT = {"onnx": "onnx", "ir": "ir", "tflite": "tflite", "tf": "tf", "paddle": "paddle", "pytorch": "pytorch"}


@lru_cache(maxsize=1)
def available_frontends() -> tuple[str, ...]:
    from openvino.frontend import FrontEndManager

    return tuple(FrontEndManager().get_available_front_ends())


def torch_installed() -> bool:
    return importlib.util.find_spec("torch") is not None


def format_support() -> list[dict[str, Any]]:
    """Each importable format with whether this installation can read it (for the UI)."""
    rows = [
        ("onnx", ".onnx (+ external data files)"),
        ("ir", ".xml + .bin"),
        ("tflite", ".tflite"),
        ("tf", "SavedModel folder as .zip/.tar.gz, frozen .pb"),
        ("paddle", ".pdmodel + .pdiparams"),
        ("pytorch", "TorchScript .pt / ExportedProgram .pt2"),
    ]
    result = []
    for fmt, files in rows:
        available = FRONTEND_OF_FORMAT[fmt] in available_frontends()
        note = ""
        if fmt == "pytorch" and not torch_installed():
            available, note = False, "needs the optional `torch` package (pip install torch)"
        elif not available:
            note = f"the OpenVINO {FRONTEND_OF_FORMAT[fmt]} frontend is not installed"
        result.append({"format": fmt, "label": FORMAT_LABELS[fmt], "files": files, "available": available, "note": note})
    return result


def require_frontend(fmt: str, file_name: str = "") -> None:
    """Raise a UserError when this installation cannot read `fmt` at all."""
    frontend = FRONTEND_OF_FORMAT.get(fmt)
    what = f"{file_name} is a {FORMAT_LABELS.get(fmt, fmt)} model, but " if file_name else ""
    if frontend is None or frontend not in available_frontends():
        import openvino

        raise UserError(
            f"{what}the OpenVINO {frontend or fmt} frontend is not available in this installation (OpenVINO {openvino.__version__}).",
            "Reinstall the pinned openvino package (pip install -r requirements.txt), or convert the model to ONNX.",
        )
    if fmt == "pytorch" and not torch_installed():
        raise UserError(
            f"{what}reading PyTorch models needs the optional `torch` package, which is not installed.",
            "Install it (pip install torch — the CPU wheel is enough) and import again, or export the model to ONNX.",
        )


def ir_weights_check(xml: Path) -> list[str]:
    """Compare the .bin size with what the .xml's constants address; returns warnings.

    A .bin from another model is the classic IR mix-up; OpenVINO only notices when an
    offset points past the end, so check both directions ourselves.
    """
    weights = xml.with_suffix(".bin")
    needed = 0
    try:
        for _event, element in ElementTree.iterparse(xml, events=("end",)):
            if element.tag == "data" and "offset" in element.attrib and "size" in element.attrib:
                needed = max(needed, int(element.attrib["offset"]) + int(element.attrib["size"]))
    except (ElementTree.ParseError, ValueError) as exc:
        raise UserError(f"{xml.name} is not a complete IR file ({exc}).", "The .xml is truncated or damaged: upload it again.") from exc
    actual = weights.stat().st_size
    if actual < needed:
        raise UserError(
            f"{weights.name} ({actual:,} bytes) does not match {xml.name}, which needs {needed:,} bytes of weights.",
            "The .bin belongs to another model or is truncated: upload the .bin saved together with this .xml.",
        )
    if actual > needed:
        return [f"{weights.name} has {actual - needed:,} more bytes than {xml.name} uses: check that the two belong together."]
    return []


_UNSUPPORTED_OPS = re.compile(r"No conversion rule found for operations?:\s*(.+)")
_FAILED_OPS = re.compile(r"Conversion is failed for:\s*(.+)")
_FAILED_OP_DETAIL = re.compile(r"^-- (\S+) with a message:\n(.*?)(?=^-- |^Summary:|\Z)", re.S | re.M)
_NOISE_PREFIXES = ("Check '", "Exception from", "FrontEnd API failed", "While validating", "[", "Model wasn't")


def _op_reason(block: str) -> str:
    """The frontend's own words for why one operation failed (its last plain line)."""
    lines = [line.strip() for line in block.splitlines() if line.strip() and not line.strip().startswith(_NOISE_PREFIXES)]
    return lines[-1] if lines else ""


def _unconverted_operations(text: str) -> str | None:
    """Every operation the frontend reported, whole: those it has no rule for and those
    whose conversion failed (with the reason for each) — never only the first line."""
    parts = []
    unknown = _UNSUPPORTED_OPS.search(text)
    if unknown:
        parts.append(f"no conversion rule for {unknown.group(1).strip()}")
    failed = _FAILED_OPS.search(text)
    if failed:
        reasons = {name: _op_reason(block) for name, block in _FAILED_OP_DETAIL.findall(text)}
        names = [name.strip() for name in failed.group(1).split(",") if name.strip()]
        described = [f"{name} ({reasons[name]})" if reasons.get(name) else name for name in names]
        parts.append(f"conversion failed for {', '.join(described)}")
    return "; ".join(parts) if parts else None


def explain_frontend_error(exc: Exception, source: SourceModel) -> UserError:
    """A UserError that says what failed in the user's terms; keeps the first useful line."""
    text = str(exc)
    label = source.label
    frontend = FRONTEND_OF_FORMAT.get(source.format, source.format)
    ops = _unconverted_operations(text)
    if ops:
        return UserError(
            f"The OpenVINO {frontend} frontend cannot convert these operations of {source.path.name}: {ops}.",
            "Replace them in the original model (or export with another opset / without custom ops); "
            "an OpenVINO extension library can add operations.",
        )
    if "Incorrect weights in bin file" in text or "is_valid_weights_range" in text:
        return UserError(
            f"{source.path.with_suffix('.bin').name} does not match {source.path.name}.",
            "The .bin belongs to another model or is truncated: upload the .bin saved with this .xml.",
        )
    if "Cannot recognize input model" in text or "Unable to read the model" in text:
        return UserError(
            f"OpenVINO could not read {source.path.name} as a {label} model: the file is truncated, corrupt or another format.",
            "Export the model again and upload the complete file.",
        )
    if "pugi" in text or "tags mismatch" in text or "Error parsing" in text:
        return UserError(f"{source.path.name} is damaged: {_first_line(text)}", "Upload the complete file again.")
    if "Paddle" in text or "protobuf" in text.lower() or "parse" in text.lower():
        return UserError(f"The {label} model {source.path.name} could not be parsed: {_first_line(text)}", "Export it again and upload the complete files.")
    return UserError(f"The {frontend} frontend failed on {source.path.name}: {_first_line(text)}", "Check the conversion log; if the model is valid, please report it.")


def _first_line(text: str) -> str:
    lines = [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.strip().startswith(("Check '", "Exception from", "FrontEnd API failed"))
    ]
    return (lines[0] if lines else text.strip())[:400]


def _load_torch(source: SourceModel) -> Any:
    """TorchScript / ExportedProgram objects via torch's own loaders (no arbitrary pickles)."""
    import torch

    try:
        if source.path.suffix.lower() == ".pt2":
            return torch.export.load(str(source.path))
        return torch.jit.load(str(source.path), map_location="cpu")
    except Exception as exc:
        text = str(exc)
        if "constants.pkl" in text or "torch.load" in text or "PytorchStreamReader" in text:
            raise UserError(
                f"{source.path.name} is not a TorchScript archive (it looks like a torch.save checkpoint, which is never unpickled here).",
                "Export with torch.jit.save(torch.jit.trace(model, example)) or torch.export.save(...), then upload that file.",
            ) from exc
        raise UserError(f"PyTorch could not load {source.path.name}: {_first_line(text)}", "Export the model again.") from exc


def read_source_model(source: SourceModel, **convert_args: Any) -> Any:
    """The model as an `ov.Model` (nothing saved yet); `convert_args` go to ov.convert_model."""
    import openvino as ov

    require_frontend(source.format, source.path.name)
    try:
        if source.format == "ir":
            ir_weights_check(source.path)
            return core_instance().read_model(str(source.path))
        if source.format == "pytorch":
            return ov.convert_model(_load_torch(source), **convert_args)
        return ov.convert_model(str(source.path), **convert_args)
    except UserError:
        raise
    except Exception as exc:
        raise explain_frontend_error(exc, source) from exc
