"""The request of Import & convert: convert an imported model (or files, on the CLI) to IR.

The user states options as text (the page's fields, `ovc`-style flags); each is declared once
here (label, help, default) and parsed once, by `check()`, into the `ConvertOptions` record the
engine reads and the variant's lineage stores. The page builds its form from these options,
`python -m core convert` its flags (plus ovc's own spellings, which take ovc's syntax), and the
job rebuilds the request from its params.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import Any

from core.convert.options import (
    ConvertOptions,
    InputSpec,
    check_extensions,
    check_shape_text,
    parse_input_specs,
    parse_layout,
    parse_values,
    split_top_level,
)
from core.datasets.preprocessing import IMAGENET_MEAN_255, IMAGENET_SCALE_255
from core.errors import UserError
from core.requests import JobSpec, Request, from_args, option
from core.variants import list_models

CONVERT_ENTRYPOINT = "core.convert.jobs:convert_job"


def _numbers(values: list[float]) -> str:
    return ",".join(f"{v:g}" for v in values)


@dataclass(kw_only=True)
class ConvertRequest(Request):
    """Convert model `model_id` to an IR variant (optionally checked against its own runtime)."""

    KIND = "convert"
    ENTRYPOINT = CONVERT_ENTRYPOINT

    # --- context: the model picked, and what the page's input/output fields or ovc's
    # --input/--output/--extension (their own syntax, repeatable) say ---
    model_id: int | None = None
    inputs: list[dict[str, Any]] = field(default_factory=list)  # InputSpec fields: {"name", "shape"}
    outputs: list[str] = field(default_factory=list)
    name: str | None = None
    extensions: list[str] = field(default_factory=list)

    # --- options: the page's widgets and the CLI's flags ---
    layout: str | None = option(None, label="Layout",
                                help="NCHW or NHWC, or per input: name(NCHW),other(NC) "
                                     "(needed for mean/scale when not guessable)")
    imagenet: bool = option(False, label=f"ImageNet normalisation (mean {_numbers(IMAGENET_MEAN_255)} / scale "
                                         f"{_numbers(IMAGENET_SCALE_255)})",
                            help="Embed the ImageNet mean and scale (0–255 units) where mean or scale values are not given")
    mean_values: str | None = option(None, label="Mean values",
                                     help="e.g. 123.675,116.28,103.53 (model channel order), or name[...]")
    scale_values: str | None = option(None, label="Scale values", help="e.g. 58.395,57.12,57.375, or name[...]")
    reverse_channels: bool = option(False, label="Reverse input channels (RGB ↔ BGR): the IR then takes BGR images "
                                                 "as OpenCV reads them",
                                    help="reverse RGB<->BGR before mean/scale (MO semantics)")
    # The CLI spells this one as ovc does (--compress_to_fp16[=True|False]) and as a switch
    # (--compress-to-fp16); core/convert/cli.py adds both with this help.
    compress_to_fp16: bool = option(False, label="Weights",
                                    help="store weights as FP16 (ours: FP32 unless asked; ovc's default is FP16)")
    run_check: bool = option(True, label="Conversion check: run the original in its own runtime and the IR with f32 "
                                         "compute, and compare",
                             help="the original model in its own runtime vs the IR in f32 compute, output by output")

    def __post_init__(self) -> None:
        self.inputs = [dict(spec) if isinstance(spec, dict) else {"name": spec.name, "shape": spec.shape}
                       for spec in self.inputs]
        for name in ("layout", "mean_values", "scale_values"):
            text = getattr(self, name)
            setattr(self, name, text.strip() or None if isinstance(text, str) else text)
        super().__post_init__()

    def convert_options(self) -> ConvertOptions:
        """The options parsed into the engine's record; a UserError names the field that is wrong."""
        mean = self.mean_values or (_numbers(IMAGENET_MEAN_255) if self.imagenet else None)
        scale = self.scale_values or (_numbers(IMAGENET_SCALE_255) if self.imagenet else None)
        return ConvertOptions(
            inputs=[InputSpec(**spec) for spec in self.inputs],
            outputs=list(self.outputs),
            layout=parse_layout(self.layout),
            mean_values=parse_values(mean, "mean values"),
            scale_values=parse_values(scale, "scale values"),
            reverse_channels=self.reverse_channels,
            compress_to_fp16=self.compress_to_fp16,
            name=self.name,
            extensions=check_extensions(self.extensions),
        )

    def check(self) -> None:
        super().check()
        self.convert_options()

    def job(self) -> JobSpec:
        if self.model_id is None:
            raise UserError("A convert job needs an imported model.", "Import the model first, then convert it.")
        model = next((m for m in list_models() if m.id == self.model_id), None)
        if model is None:
            raise UserError(f"There is no model #{self.model_id} in this workspace.")
        return JobSpec(kind=self.KIND, entrypoint=self.ENTRYPOINT, params=self.to_params(),
                       target=f"{model.name}: {self.convert_options().summary()}"[:290])


def request_from_args(args: argparse.Namespace) -> ConvertRequest:
    """The request from `convert`'s flags: ovc's --input/--output/--extension read in ovc's syntax."""
    return from_args(
        ConvertRequest, args,
        model_id=args.model_id, name=args.name,
        inputs=[{"name": spec.name, "shape": spec.shape} for spec in parse_input_specs(args.input)],
        outputs=[name for value in (args.output or []) for name in split_top_level(value)],
        extensions=list(args.extension or []),
        compress_to_fp16=bool(args.compress_to_fp16),
    )


def form_inputs(ports: list[dict[str, Any]], shapes: list[str], cut: str = "") -> list[dict[str, Any]]:
    """The page's input fields as the request's inputs: a shape per port of the card (kept only
    where it differs from the model's own), or the tensors to cut the graph at."""
    if cut.strip():
        return [{"name": name, "shape": None} for name in split_top_level(cut)]
    specs = []
    for index, (port, text) in enumerate(zip(ports, shapes, strict=True)):
        original = port["shape"].strip("[]")
        shape = check_shape_text(text.strip(), port["name"] or f"input {index}") if text.strip() else None
        if shape and shape != original.replace(" ", ""):  # ovc's reading: "1 3 224 224" is four dims
            specs.append({"name": port["name"] or None, "shape": shape})
    if specs and len(specs) < len(ports) and any(spec["name"] is None for spec in specs):
        raise UserError("Inputs without names need all shapes given.")
    return specs
