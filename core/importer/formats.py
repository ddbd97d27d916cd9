"""Which models are in a folder of uploaded files, and which files belong to each.

Formats are recognised by extension *and* content, because users rename files and
browsers lose folders: an IR .xml needs its .bin, an ONNX model may name external-data
files, a Paddle model is .pdmodel + .pdiparams, a SavedModel is a folder. Every problem
(missing partner, empty or mislabelled file, a format OpenVINO cannot read) becomes a
UserError naming the file and what to do, before any conversion is tried.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import UserError
from core.importer.archives import is_archive

FORMAT_LABELS = {
    "onnx": "ONNX",
    "ir": "OpenVINO IR",
    "tflite": "TensorFlow Lite",
    "tf": "TensorFlow",
    "paddle": "PaddlePaddle",
    "pytorch": "PyTorch",
}
TORCH_SUFFIXES = (".pt", ".pth", ".pt2", ".torchscript", ".ptl")
# Files that travel with models and are not models themselves.
COMPANION_SUFFIXES = (".txt", ".md", ".json", ".yaml", ".yml", ".info", ".names", ".csv", ".license", ".mapping")
NOT_SUPPORTED = {
    ".h5": "Keras .h5 files are not read by OpenVINO. Save the model as a TensorFlow SavedModel (model.export(dir)) and upload that folder as a .zip.",
    ".keras": "Keras .keras files are not read by OpenVINO. Save the model as a TensorFlow SavedModel (model.export(dir)) and upload that folder as a .zip.",
    ".caffemodel": "Caffe models are no longer supported by OpenVINO (since 2023). Convert them to ONNX first.",
    ".prototxt": "Caffe models are no longer supported by OpenVINO (since 2023). Convert them to ONNX first.",
    ".params": "MXNet models are no longer supported by OpenVINO (since 2023). Export them to ONNX first.",
    ".mlmodel": "Core ML models are not supported. Export the original model to ONNX instead.",
    ".engine": "TensorRT engines are compiled for NVIDIA GPUs and cannot be converted. Upload the ONNX model it was built from.",
    ".trt": "TensorRT engines are compiled for NVIDIA GPUs and cannot be converted. Upload the ONNX model it was built from.",
    ".safetensors": "A .safetensors file holds weights only, without the network. Export the model to ONNX (or TorchScript) instead.",
    ".pkl": "Pickle files can run arbitrary code when loaded and are never opened here. Export the model to ONNX instead.",
    ".ckpt": "Checkpoints hold weights only. Export the model to ONNX, TorchScript or a SavedModel instead.",
}


@dataclass
class SourceModel:
    """One model found in an upload: its format and the files it consists of."""

    format: str
    path: Path  # what the frontend reads: the main file, or the SavedModel folder
    files: list[Path] = field(default_factory=list)
    kind: str = ""  # human detail, e.g. "ONNX with external data", "SavedModel"
    name: str = ""

    @property
    def label(self) -> str:
        return FORMAT_LABELS.get(self.format, self.format)

    def to_dict(self, relative: Any = str) -> dict[str, Any]:
        return {
            "format": self.format,
            "kind": self.kind,
            "name": self.name,
            "path": relative(self.path),
            "files": [relative(f) for f in self.files],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], resolve: Any = Path) -> SourceModel:
        return cls(
            format=data["format"],
            path=Path(resolve(data["path"])),
            files=[Path(resolve(f)) for f in data.get("files", [])],
            kind=data.get("kind", ""),
            name=data.get("name", ""),
        )


def sniff(path: Path) -> str | None:
    """What the first bytes say a file is (None: no magic, e.g. protobuf formats)."""
    with open(path, "rb") as handle:
        head = handle.read(64)
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head[4:8] == b"TFL3":
        return "tflite"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith((b"<?xml", b"<net")):
        return "xml"
    if stripped.startswith((b"{", b"[")):
        return "json"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "image"
    if head.startswith(b"\x80") and len(head) > 1 and head[1] in (2, 3, 4, 5):
        return "pickle"
    return None


SNIFF_HINTS = {
    "zip": "it is a zip archive: upload it with the .zip extension",
    "gzip": "it is gzip-compressed: upload it as .tar.gz",
    "tflite": "it is a TensorFlow Lite model: rename it to .tflite",
    "xml": "it is an XML file: an OpenVINO IR needs the .xml extension and its .bin",
    "json": "it is a JSON text file",
    "image": "it is an image, not a model",
    "pickle": "it is a Python pickle, which is never loaded here (it can run code)",
}


def _wrong_content(path: Path, expected: str, found: str | None) -> UserError:
    hint = SNIFF_HINTS.get(found or "", "")
    return UserError(
        f"{path.name} does not contain a {expected} model" + (f": {hint}." if hint else " (the content does not match the extension)."),
        "Check that you picked the right file and that it was not truncated or renamed.",
    )


def _require_non_empty(path: Path) -> None:
    if path.stat().st_size == 0:
        raise UserError(f"{path.name} is empty (0 bytes).", "The upload or export was interrupted: export the model again.")


def _onnx_external_files(onnx_path: Path, root: Path) -> list[Path]:
    """Parse the ONNX graph (without weights) to check it and to find its external-data files."""
    import onnx
    from google.protobuf.message import DecodeError

    try:
        model = onnx.load(str(onnx_path), load_external_data=False)
    except (DecodeError, RuntimeWarning, ValueError, OSError) as exc:
        raise UserError(
            f"{onnx_path.name} is not a readable ONNX model: the file is truncated or corrupt ({type(exc).__name__}).",
            "Export the model again, or upload the complete file.",
        ) from exc
    if not model.graph.node and not model.graph.input:
        raise UserError(f"{onnx_path.name} parsed as ONNX but holds no graph.", "Is it really an ONNX model? Export it again.")
    locations: set[str] = set()
    for tensor in onnx.external_data_helper._get_all_tensors(model):
        if tensor.data_location == onnx.TensorProto.EXTERNAL:
            info = {entry.key: entry.value for entry in tensor.external_data}
            if "location" in info:
                locations.add(info["location"])
    files = []
    base = onnx_path.parent
    for location in sorted(locations):
        relative = Path(location.replace("\\", "/"))
        target = (base / relative).resolve()
        if relative.is_absolute() or ".." in relative.parts or root.resolve() not in target.parents:
            raise UserError(
                f"{onnx_path.name} refers to weights outside its folder ({location}).",
                "External-data files must sit next to the .onnx file; re-save the model with a plain file name.",
            )
        if not target.is_file():
            raise UserError(
                f"{onnx_path.name} keeps its weights in a separate file '{location}', which was not uploaded.",
                f"Upload {location} together with {onnx_path.name} (select both files, or zip them).",
            )
        files.append(base / relative)
    return files


def _saved_model_dirs(files: list[Path]) -> list[Path]:
    return sorted({f.parent for f in files if f.name in ("saved_model.pb", "saved_model.pbtxt")})


def _ir_source(xml: Path, root: Path) -> SourceModel:
    _require_non_empty(xml)
    found = sniff(xml)
    if found != "xml":
        raise _wrong_content(xml, "OpenVINO IR", found)
    with open(xml, "rb") as handle:
        head = handle.read(2048)
    if b"<net" not in head:
        raise UserError(
            f"{xml.name} is XML but not an OpenVINO IR (no <net> element).",
            "Upload the .xml that ov.save_model or the Model Optimizer wrote.",
        )
    weights = xml.with_suffix(".bin")
    if not weights.is_file():
        others = sorted(p.name for p in xml.parent.glob("*.bin"))
        hint = (
            f"Found {', '.join(others)} instead: the .xml and .bin must share a name."
            if others
            else "Upload the .xml and the .bin together."
        )
        raise UserError(f"The IR {xml.name} has no weights file {weights.name}.", hint)
    _require_non_empty(weights)
    return SourceModel("ir", xml, [xml, weights], "IR (.xml + .bin)", xml.stem)


def _onnx_source(path: Path, root: Path) -> SourceModel:
    _require_non_empty(path)
    found = sniff(path)
    if found is not None:
        raise _wrong_content(path, "ONNX", found)
    external = _onnx_external_files(path, root)
    kind = "ONNX with external data" if external else "ONNX"
    return SourceModel("onnx", path, [path, *external], kind, path.stem)


def _tflite_source(path: Path, root: Path) -> SourceModel:
    _require_non_empty(path)
    found = sniff(path)
    if found != "tflite":
        raise _wrong_content(path, "TensorFlow Lite", found)
    return SourceModel("tflite", path, [path], "TFLite flatbuffer", path.stem)


def _paddle_source(pdmodel: Path, root: Path) -> SourceModel:
    _require_non_empty(pdmodel)
    params = pdmodel.with_suffix(".pdiparams")
    if not params.is_file():
        raise UserError(
            f"The Paddle model {pdmodel.name} has no weights file {params.name}.",
            "Upload the .pdmodel and the .pdiparams together.",
        )
    _require_non_empty(params)
    info = pdmodel.with_suffix(".pdiparams.info")
    members = [pdmodel, params] + ([info] if info.is_file() else [])
    return SourceModel("paddle", pdmodel, members, "Paddle inference model", _paddle_name(pdmodel, root))


GENERIC_PADDLE_STEMS = {"inference", "model", "__model__", "infer", "inference_model"}


def _paddle_name(pdmodel: Path, root: Path) -> str:
    """Paddle exports are nearly always `inference.pdmodel` inside a folder (or archive) that carries
    the real name (`ch_PP-OCRv4_det_infer/`): use the nearest such folder under the upload, else the
    archive it came from, before falling back to a generic name."""
    if pdmodel.stem.lower() not in GENERIC_PADDLE_STEMS:
        return pdmodel.stem
    for folder in pdmodel.parents:
        if folder == root or root not in folder.parents:
            break
        name = re.sub(r"\.unpacked\d*$", "", folder.name)
        if name and name.lower() not in GENERIC_PADDLE_STEMS:
            return name
    return "paddle_model"


def _orphan_paddle_params(params: Path) -> None:
    program_json = params.with_suffix(".json")
    if program_json.is_file():
        raise UserError(
            f"{program_json.name} + {params.name} is a Paddle 3 (PIR) model, which OpenVINO cannot read yet.",
            "Export it in the classic format: set FLAGS_enable_pir_api=0 before paddle.jit.save, which writes a .pdmodel.",
        )
    raise UserError(
        f"{params.name} holds Paddle weights but its {params.with_suffix('.pdmodel').name} is missing.",
        "Upload the .pdmodel and the .pdiparams together.",
    )


def _frozen_pb_source(path: Path, root: Path) -> SourceModel:
    _require_non_empty(path)
    found = sniff(path)
    if found is not None:
        raise _wrong_content(path, "TensorFlow frozen graph", found)
    return SourceModel("tf", path, [path], "frozen graph (.pb)", path.stem)


def _torch_source(path: Path, root: Path) -> SourceModel:
    _require_non_empty(path)
    found = sniff(path)
    if found == "pickle":
        raise UserError(
            f"{path.name} is a pickled PyTorch object (torch.save), which can run arbitrary code and is never loaded here.",
            "Export it with torch.jit.save(torch.jit.trace(model, example)) or torch.export.save(...) and upload that.",
        )
    if found != "zip":
        raise _wrong_content(path, "TorchScript / ExportedProgram", found)
    kind = "ExportedProgram" if path.suffix.lower() == ".pt2" else "TorchScript"
    return SourceModel("pytorch", path, [path], kind, path.stem)


SOURCE_BUILDERS = {
    ".xml": _ir_source,
    ".onnx": _onnx_source,
    ".tflite": _tflite_source,
    ".pdmodel": _paddle_source,
    ".pb": _frozen_pb_source,
    **{suffix: _torch_source for suffix in TORCH_SUFFIXES},
}


def source_for_path(path: Path) -> SourceModel:
    """The model at a user-given path (CLI): a model file (partners found by name) or a folder."""
    path = Path(path).resolve()
    if not path.exists():
        raise UserError(f"{path} does not exist.", "Check the path.")
    if path.is_dir():
        models, _ = detect_models(path)
        if len(models) != 1:
            raise UserError(
                f"{path} holds {len(models)} models.", "Point at one model file, or a folder with exactly one model."
            )
        return models[0]
    if path.name == "saved_model.pb":
        return source_for_path(path.parent)
    if path.suffix.lower() == ".bin" and path.with_suffix(".xml").is_file():
        path = path.with_suffix(".xml")
    if path.suffix.lower() == ".pdiparams" and path.with_suffix(".pdmodel").is_file():
        path = path.with_suffix(".pdmodel")
    build = SOURCE_BUILDERS.get(path.suffix.lower())
    if build is None:
        if path.suffix.lower() in NOT_SUPPORTED:
            raise UserError(f"{path.name}: this format cannot be imported.", NOT_SUPPORTED[path.suffix.lower()])
        if path.suffix.lower() == ".pdiparams":
            _orphan_paddle_params(path)
        raise UserError(
            f"{path.name}: the extension {path.suffix or '(none)'} is not a model format I know.",
            "Supported: .onnx, .xml + .bin, .tflite, .pb, SavedModel folder, .pdmodel + .pdiparams, .pt/.pt2.",
        )
    return build(path, path.parent)


def detect_models(root: Path, skip: set[Path] | None = None) -> tuple[list[SourceModel], list[Path]]:
    """Models in `root` (archives already unpacked) and the files that belong to none.

    `skip` holds files to ignore (the archives themselves once unpacked).
    """
    skip = {p.resolve() for p in (skip or set())}
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.resolve() not in skip)
    for path in files:
        if path.is_symlink():
            raise UserError(f"{path.name} is a symbolic link.", "Upload the real file instead.")
    claimed: set[Path] = set()
    models: list[SourceModel] = []

    for folder in _saved_model_dirs(files):
        members = [f for f in files if folder in f.parents]
        saved_pb = folder / "saved_model.pb"
        if saved_pb.exists():
            _require_non_empty(saved_pb)
        name = re.sub(r"\.unpacked\d*$", "", folder.name) if folder != root else "saved_model"
        models.append(SourceModel("tf", folder, members, "SavedModel", name))
        claimed.update(members)

    by_suffix: dict[str, list[Path]] = {}
    for path in files:
        if path not in claimed:
            by_suffix.setdefault(path.suffix.lower(), []).append(path)

    for suffix, build in SOURCE_BUILDERS.items():
        for path in by_suffix.get(suffix, []):
            if path in claimed:
                continue
            model = build(path, root)
            models.append(model)
            claimed.update(model.files)

    for params in by_suffix.get(".pdiparams", []):
        if params not in claimed:
            _orphan_paddle_params(params)

    leftovers = [p for p in files if p not in claimed]
    for path in leftovers:
        suffix = path.suffix.lower()
        if suffix == ".bin" and path.with_suffix(".xml") not in claimed:
            raise UserError(f"{path.name} has no matching {path.with_suffix('.xml').name}.", "An IR needs both files with the same name: upload the .xml too.")
        if suffix in NOT_SUPPORTED:
            raise UserError(f"{path.name}: this format cannot be imported.", NOT_SUPPORTED[suffix])
        if is_archive(path):
            raise UserError(f"{path.name} is an archive inside an archive.", "Unpack the inner archive and upload its files, or one flat archive.")
    if not models:
        names = ", ".join(p.name for p in leftovers[:5]) or "nothing"
        raise UserError(
            f"No supported model found in the upload ({names}).",
            "Upload .onnx, .xml + .bin, .tflite, .pb, a SavedModel folder as .zip, .pdmodel + .pdiparams, "
            "or TorchScript/ExportedProgram (.pt/.pt2), possibly inside a .zip or .tar.gz.",
        )
    ignored = [p for p in leftovers if p.suffix.lower() in COMPANION_SUFFIXES or p.name.startswith(".")]
    unknown = [p for p in leftovers if p not in ignored]
    if unknown:
        names = ", ".join(p.name for p in unknown[:5])
        raise UserError(
            f"These files are not part of any model I can read: {names}.",
            "Check the file extensions (e.g. .onnx, .xml/.bin, .tflite, .pb, .pdmodel), or remove the extra files.",
        )
    return models, leftovers
