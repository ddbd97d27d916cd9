"""Source model + options → IR files on disk, with a log a user can read.

The shapes and cuts go to `ov.convert_model` (or `reshape` for an IR, which has no
converter), the preprocessing to the PrePostProcessor, the weights precision to
`ov.save_model(compress_to_fp16=...)`. What happened is logged line by line, because the
log is stored with the variant: DL Workbench users could not find why a conversion failed.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.convert.options import ConvertOptions
from core.convert.preprocess import apply_preprocessing, port_name
from core.errors import UserError
from core.importer.formats import SourceModel
from core.importer.frontends import read_source_model
from core.ov_core import core_instance
from core.rtinfo import write_conversion

Log = Callable[[str], None]


def _convert_args(options: ConvertOptions) -> dict[str, Any]:
    import openvino as ov

    args: dict[str, Any] = {}
    if options.inputs:
        if all(spec.name for spec in options.inputs):
            args["input"] = [
                (spec.name, ov.PartialShape(f"[{spec.shape}]")) if spec.shape else spec.name for spec in options.inputs
            ]
        elif not any(spec.name for spec in options.inputs):
            args["input"] = [ov.PartialShape(f"[{spec.shape}]") for spec in options.inputs]
        else:
            raise UserError("Give every --input a name, or none of them (then shapes go by position).")
    if options.outputs:
        args["output"] = list(options.outputs)
    if options.extensions:
        args["extension"] = list(options.extensions)
    return args


def _reshape_ir(model: Any, options: ConvertOptions) -> Any:
    """An IR has no converter: apply shapes with reshape; cuts are not possible."""
    import openvino as ov

    if options.outputs or any(spec.name and not spec.shape for spec in options.inputs):
        raise UserError(
            "Cutting inputs or outputs works only when converting from the original framework file.",
            "Import the ONNX/TF/TFLite/Paddle model instead of the IR to cut the graph.",
        )
    shapes: dict[Any, Any] = {}
    for index, spec in enumerate(options.inputs):
        if not spec.shape:
            continue
        key = spec.name if spec.name else index
        if spec.name and not any(spec.name in p.get_names() for p in model.inputs):
            raise UserError(f"The IR has no input named '{spec.name}'.")
        if not spec.name and index >= len(model.inputs):
            raise UserError(f"{len(options.inputs)} shapes given, but the IR has {len(model.inputs)} inputs.")
        shapes[key if spec.name else model.inputs[index]] = ov.PartialShape(f"[{spec.shape}]")
    if shapes:
        try:
            model.reshape(shapes)
        except Exception as exc:
            raise UserError(f"The IR cannot take these shapes: {str(exc).splitlines()[-1][:300]}", "This IR may have been converted with fixed shapes; convert it again from its original file.") from exc
    return model


def require_known_ranks(model: Any) -> None:
    """Say which input needs a shape when the model cannot be used without one."""
    for index, port in enumerate(model.inputs):
        if port.get_partial_shape().rank.is_dynamic:
            raise UserError(
                f"Input '{port_name(port, index)}' has no known shape (not even its number of dimensions): "
                "OpenVINO cannot compile or benchmark the model like this.",
                f"Set a shape for '{port_name(port, index)}', e.g. 1,3,224,224 (use ? for dimensions that should stay dynamic).",
            )


class _LogCapture(logging.Handler):
    def __init__(self, log: Log) -> None:
        super().__init__(logging.INFO)
        self._log = log

    def emit(self, record: logging.LogRecord) -> None:
        self._log(f"{record.levelname.lower()}: {record.getMessage()}")


def convert_to_ir(source: SourceModel, options: ConvertOptions, out_dir: Path, log: Log) -> dict[str, Any]:
    """Convert and save `<out_dir>/<name>.xml/.bin`; returns paths, ports and seconds."""
    import openvino as ov

    started = time.perf_counter()
    name = options.name or source.name or "model"
    safe_name = "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip("._") or "model"
    log(f"OpenVINO {ov.__version__}: converting {source.path.name} ({source.label}, {source.kind})")
    log(f"options: {options.summary()}")
    handler = _LogCapture(log)
    ov_logger = logging.getLogger("openvino")
    ov_logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if source.format == "ir":
                if options.extensions:  # an IR's custom ops come from the library, loaded into the Core
                    for path in options.extensions:
                        core_instance().add_extension(path)
                model = _reshape_ir(read_source_model(source), options)
            else:
                model = read_source_model(source, **_convert_args(options))
        for warning in caught:
            log(f"warning: {warning.message}")
    finally:
        ov_logger.removeHandler(handler)
    log(f"read by the {source.format} frontend in {time.perf_counter() - started:.2f} s: {len(model.get_ordered_ops())} operations")
    require_known_ranks(model)
    model, preprocessing = apply_preprocessing(model, options)
    for input_key, record in preprocessing.items():
        log(f"embedded preprocessing for {input_key}: {' → '.join(record['steps'])} (layout {record['layout']})")
    seconds = time.perf_counter() - started
    write_conversion(model, {
        "source_format": source.format,
        "source_file": source.path.name,
        "options": options.to_params(),
        "openvino": ov.__version__,
        "seconds": round(seconds, 3),
    })
    out_dir.mkdir(parents=True, exist_ok=True)
    xml = out_dir / f"{safe_name}.xml"
    ov.save_model(model, str(xml), compress_to_fp16=options.compress_to_fp16)
    seconds = time.perf_counter() - started
    log(f"saved {xml.name} + {xml.with_suffix('.bin').name} ({'FP16' if options.compress_to_fp16 else 'FP32'} weights) in {seconds:.2f} s total")
    return {
        "xml": str(xml),
        "bin": str(xml.with_suffix(".bin")),
        "inputs": [{"name": port_name(p, i), "shape": str(p.get_partial_shape()), "type": p.get_element_type().get_type_name()} for i, p in enumerate(model.inputs)],
        "outputs": [{"name": port_name(p, i, "output"), "shape": str(p.get_partial_shape()), "type": p.get_element_type().get_type_name()} for i, p in enumerate(model.outputs)],
        "preprocessing": preprocessing,
        "seconds": round(seconds, 3),
    }
