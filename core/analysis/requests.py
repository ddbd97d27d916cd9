"""Typed requests of the INT8 analysis: one record per feature, checked once, then a job.

Each request is a dataclass with keyword-only fields (defaults and choices live here, once),
`check()` validates everything that can fail in a second — models readable, data fits, names
exist — before any job row exists, and `job()` says which job it becomes. Pages and the CLI
build the same request; the job function rebuilds it from the stored params
(`from_params`), so one record travels from the form field to the OpenVINO/NNCF call.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from core.analysis.inputs import open_inputs
from core.analysis.layer_error import LayerScope
from core.analysis.models import ModelRef, default_preprocessing, resolve_model_ref
from core.datasets.feeding import open_source
from core.datasets.preprocessing import PreprocessSpec
from core.errors import UserError
from core.ov_core import read_model
from core.quantize.layers import model_layers
from core.quantize.requests import NNCF_OPTIONS, Preset, QuantizeRequest
from core.requests import JobSpec, Request, option
from core.variants import get_variant, variant_xml

DEFAULT_SAMPLES = 10
MAX_SAMPLES = 1000
DEFAULT_OUTPUT_IMAGES = 16
DEFAULT_TOP_K = 5
DEFAULT_THRESHOLD = 0.5
DEFAULT_KEEP_IN_FLOAT = 3


class Layout(StrEnum):
    """How to read the models' outputs; AUTO guesses from the output shapes."""

    AUTO = "auto"
    CLASSIFICATION = "classification"
    SSD = "ssd"  # [1,1,N,7]: image_id, label, confidence, x_min, y_min, x_max, y_max (0..1)
    YOLO = "yolo"  # [1,N,4+C] or [1,4+C,N]: cx, cy, w, h, class scores
    BOXES_SCORES = "boxes_scores"  # two outputs: boxes [1,N,4] (x1,y1,x2,y2) and scores [1,N] or [1,N,C]
    SEGMENTATION = "segmentation"  # [1,C,H,W] class scores per pixel
    RAW = "raw"  # any output: difference heat-map and histogram


def dataset_source(dataset_id: int, ref: ModelRef, preprocessing: dict[str, Any] | None, minimum: int = 1) -> Any:
    spec = PreprocessSpec.from_dict(preprocessing) if preprocessing else default_preprocessing(ref)
    return open_source(int(dataset_id), read_model(ref.xml), spec, minimum, "the analysis")


@dataclass(kw_only=True)
class LayerErrorRequest(Request):
    """Per-layer error of `variant` against `parent` on a few samples of a dataset."""

    ENTRYPOINT = "core.analysis.jobs:layer_error_job"
    KIND = "layer_error"

    parent: str  # variant id or IR path: the reference (e.g. the FP32 model)
    variant: str  # variant id or IR path: the optimized model
    dataset_id: int
    samples: int = option(DEFAULT_SAMPLES, label="Samples", minimum=1, maximum=MAX_SAMPLES,
                          help="Samples to run; activations are reduced per sample, so memory does not grow with them.")
    scope: LayerScope = option(LayerScope.CHAINS, label="Layers",
                               help="chains: ends of fused chains such as conv+bias+activation (fast); all: every op.")
    preprocessing: dict[str, Any] | None = None
    device: str = "CPU"

    def refs(self) -> tuple[ModelRef, ModelRef]:
        return resolve_model_ref(self.parent), resolve_model_ref(self.variant)

    def check(self) -> None:
        super().check()
        parent, variant = self.refs()
        if parent.xml.resolve() == variant.xml.resolve():
            raise UserError("Both sides are the same model; pick the variant to analyse and its parent.")
        dataset_source(self.dataset_id, parent, self.preprocessing)
        dataset_source(self.dataset_id, variant, self.preprocessing)

    def job(self) -> JobSpec:
        parent, variant = self.refs()
        return JobSpec(kind=self.KIND, entrypoint=self.ENTRYPOINT, params=self.to_params(),
                       target=f"layer error · {variant.label} vs {parent.label}", variant_id=variant.variant_id)


@dataclass(kw_only=True)
class OutputsRequest(Request):
    """Outputs of two models side by side on a dataset's images or one image file."""

    ENTRYPOINT = "core.analysis.jobs:outputs_job"
    KIND = "outputs"

    model_a: str  # variant id or IR path (e.g. the parent)
    model_b: str  # variant id or IR path (e.g. the optimized variant)
    dataset_id: int | None = None
    image_path: str | None = None  # one image (workspace-relative or absolute)
    layout: Layout = option(Layout.AUTO, label="Output layout",
                            help="How to read the outputs; auto guesses from their shapes: choose when the guess is wrong.")
    top_k: int = option(DEFAULT_TOP_K, label="Top-k", minimum=1, maximum=100,
                        help="Classes listed per model (classification).")
    threshold: float = option(DEFAULT_THRESHOLD, label="Box threshold", minimum=0.0, maximum=1.0, step=0.05,
                              help="Detection confidence to keep a box.")
    limit: int = option(DEFAULT_OUTPUT_IMAGES, label="Images (dataset)", minimum=1, maximum=MAX_SAMPLES,
                        help="Dataset samples to look at.")
    preprocessing: dict[str, Any] | None = None

    def refs(self) -> tuple[ModelRef, ModelRef]:
        return resolve_model_ref(self.model_a), resolve_model_ref(self.model_b)

    def check(self) -> None:
        super().check()
        if (self.dataset_id is None) == (self.image_path is None):
            raise UserError("Give either a dataset or one image.", "Pick a dataset, or upload an image.")
        a, b = self.refs()
        open_inputs(self, a)
        open_inputs(self, b)

    def job(self) -> JobSpec:
        a, b = self.refs()
        return JobSpec(kind=self.KIND, entrypoint=self.ENTRYPOINT, params=self.to_params(),
                       target=f"outputs · {b.label} vs {a.label}", variant_id=b.variant_id)


@dataclass(kw_only=True)
class RequantizeRequest(Request):
    """INT8 again from `parent`, with layers (or op types) kept in float, or another preset / SmoothQuant alpha.

    Settings not given are taken from `previous` (the INT8 variant being improved: its
    lineage holds the options, calibration dataset and preprocessing it was made with).
    The job is the existing quantize job, so the new variant has lineage and accuracy.
    """

    parent: int  # variant id of the float model
    previous: int | None = None  # variant id of the INT8 variant to improve
    ignored_names: list[str] = option(label="Keep these layers in float (NNCF ignored scope)", default_factory=list,
                                      help="Layer names to keep in float, e.g. from the layer-error ranking.",
                                      aliases=("--ignore",))
    ignored_types: list[str] = option(label="…or keep every layer of these types in float", default_factory=list,
                                      help="Layer types to keep in float, e.g. MatMul.", aliases=("--ignore-types",))
    preset: Preset | None = option(None, label="Preset",
                                   help="NNCF preset; default: as the previous INT8 variant was made.")
    smooth_quant_alpha: float | None = option(None, label="SmoothQuant alpha", page=False,
                                              help="SmoothQuant alpha for MatMul; -1 = off; default: as before.")
    dataset_id: int | None = None
    subset_size: int | None = option(None, label="Calibration samples", minimum=1, page=False,
                                     help="Calibration samples; default: as the previous INT8 variant.")
    preprocessing: dict[str, Any] | None = None

    def _previous_params(self) -> dict[str, Any]:
        if self.previous is None:
            return {}
        previous = get_variant(int(self.previous))
        if previous.parent_id != int(self.parent):
            raise UserError(f"Variant #{previous.id} was not made from #{self.parent}.",
                            "Re-quantize from the variant's own parent.")
        return dict(previous.params or {})

    def quantize_request(self) -> QuantizeRequest:
        """The quantize request this becomes: the previous run's settings with this request's changes.
        Its job is the existing quantize job, so the new variant has lineage and accuracy."""
        previous = self._previous_params()
        options = {key: value for key, value in (previous.get("options") or {}).items() if key in NNCF_OPTIONS}
        options["ignored_names"] = sorted(set(options.get("ignored_names") or []) | set(self.ignored_names))
        options["ignored_types"] = sorted(set(options.get("ignored_types") or []) | set(self.ignored_types))
        if self.preset is not None:
            options["preset"] = str(self.preset)
        if self.smooth_quant_alpha is not None:
            options["smooth_quant_alpha"] = self.smooth_quant_alpha
        if self.subset_size is not None:
            options["subset_size"] = int(self.subset_size)
        options["accuracy_aware"] = False  # the user chose the float layers: plain INT8 with them
        dataset_id = self.dataset_id if self.dataset_id is not None else previous.get("dataset_id")
        preprocessing = self.preprocessing if self.preprocessing is not None else previous.get("preprocessing")
        return QuantizeRequest.from_params({
            **options, "variant_id": int(self.parent), "dataset_id": dataset_id, "preprocessing": preprocessing,
            "validation_dataset_id": previous.get("validation_dataset_id"),
        })

    def check(self) -> None:
        super().check()
        if not (self.ignored_names or self.ignored_types or self.preset is not None or self.smooth_quant_alpha is not None):
            raise UserError("Nothing to change: name layers or layer types to keep in float, or another preset.",
                            "Pick layers from the layer-error ranking.")
        request = self.quantize_request()
        if request.dataset_id is None:
            raise UserError("No calibration dataset: the previous INT8 variant records none.",
                            "Pick a dataset to calibrate on.")
        request.check()
        self.check_names(get_variant(int(self.parent)))

    def check_names(self, parent: Any) -> None:
        layers = model_layers(read_model(variant_xml(parent)))
        names, types = {layer["name"] for layer in layers}, {layer["type"] for layer in layers}
        missing = [n for n in self.ignored_names if n not in names] + [t for t in self.ignored_types if t not in types]
        if missing:
            raise UserError(f"The parent has no layer or layer type {', '.join(missing)}.",
                            "Use names from the layer-error ranking of this parent.")

    def job(self) -> JobSpec:
        request = self.quantize_request()
        kept = request.ignored_names + request.ignored_types
        what = f"{len(kept)} layer(s)/type(s) in float" if kept else f"preset {request.preset}"
        return replace(request.job(), target=f"re-quantize #{self.parent} · {what}")
