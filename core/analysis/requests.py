"""Typed requests of the INT8 analysis: one record per feature, checked once, then a job.

Each request is a dataclass with keyword-only fields (defaults and choices live here, once),
`check()` validates everything that can fail in a second — models readable, data fits, names
exist — before any job row exists, and `job()` says which job it becomes. Pages and the CLI
build the same request; the job function rebuilds it from the stored params
(`from_params`), so one record travels from the form field to the OpenVINO/NNCF call.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any

from core.accuracy.evaluate import read_model
from core.analysis.inputs import open_inputs
from core.analysis.layer_error import LayerScope
from core.analysis.models import ModelRef, default_preprocessing, resolve_model_ref
from core.datasets.feeding import open_source
from core.datasets.preprocessing import PreprocessSpec
from core.errors import UserError
from core.quantize.layers import model_layers
from core.quantize.options import PRESETS, QuantizeOptions
from core.quantize.pipeline import prepare_quantization
from core.variants import get_variant, variant_xml

DEFAULT_SAMPLES = 10
MAX_SAMPLES = 1000
DEFAULT_OUTPUT_IMAGES = 16
DEFAULT_TOP_K = 5
DEFAULT_THRESHOLD = 0.5
DEFAULT_KEEP_IN_FLOAT = 3
QUANTIZE_ENTRYPOINT = "core.quantize.jobs:quantize_job"  # the existing job: lineage, accuracy, result row

Preset = StrEnum("Preset", {name.upper(): name for name in PRESETS})  # type: ignore[misc]


class Layout(StrEnum):
    """How to read the models' outputs; AUTO guesses from the output shapes."""

    AUTO = "auto"
    CLASSIFICATION = "classification"
    SSD = "ssd"  # [1,1,N,7]: image_id, label, confidence, x_min, y_min, x_max, y_max (0..1)
    YOLO = "yolo"  # [1,N,4+C] or [1,4+C,N]: cx, cy, w, h, class scores
    BOXES_SCORES = "boxes_scores"  # two outputs: boxes [1,N,4] (x1,y1,x2,y2) and scores [1,N] or [1,N,C]
    SEGMENTATION = "segmentation"  # [1,C,H,W] class scores per pixel
    RAW = "raw"  # any output: difference heat-map and histogram


@dataclass(frozen=True, kw_only=True)
class JobSpec:
    """What `submit_job` / `run_job_inline` need: the request as a job."""

    kind: str
    entrypoint: str
    params: dict[str, Any]
    target: str
    variant_id: int | None = None


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, StrEnum) else value


class Request:
    """Shared plumbing: params (JSON) <-> request, with enums restored and unknown keys refused."""

    ENUMS: dict[str, type[StrEnum]] = {}

    def to_params(self) -> dict[str, Any]:
        return {key: _plain(value) for key, value in asdict(self).items()}  # type: ignore[call-overload]

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Any:
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        unknown = set(params) - known
        if unknown:
            raise UserError(f"Unknown setting(s) {', '.join(sorted(unknown))} for {cls.__name__}.")
        values = dict(params)
        for key, enum in cls.ENUMS.items():
            if values.get(key) is not None:
                values[key] = _choice(enum, values[key], key.replace("_", " "))
        return cls(**values)


def _choice(enum: type[StrEnum], value: Any, what: str) -> StrEnum:
    try:
        return enum(str(value))
    except ValueError as exc:
        raise UserError(f"Unknown {what} {value!r}.", f"Use one of {', '.join(e.value for e in enum)}.") from exc


def _positive(value: int, what: str, most: int) -> None:
    if not 1 <= int(value) <= most:
        raise UserError(f"The {what} must be between 1 and {most}, not {value}.")


def dataset_source(dataset_id: int, ref: ModelRef, preprocessing: dict[str, Any] | None, minimum: int = 1) -> Any:
    spec = PreprocessSpec.from_dict(preprocessing) if preprocessing else default_preprocessing(ref)
    return open_source(int(dataset_id), read_model(ref.xml), spec, minimum, "the analysis")


@dataclass(kw_only=True)
class LayerErrorRequest(Request):
    """Per-layer error of `variant` against `parent` on a few samples of a dataset."""

    ENTRYPOINT = "core.analysis.jobs:layer_error_job"
    KIND = "layer_error"
    ENUMS = {"scope": LayerScope}

    parent: str  # variant id or IR path: the reference (e.g. the FP32 model)
    variant: str  # variant id or IR path: the optimized model
    dataset_id: int
    samples: int = DEFAULT_SAMPLES
    scope: LayerScope = LayerScope.CHAINS
    preprocessing: dict[str, Any] | None = None
    device: str = "CPU"

    def refs(self) -> tuple[ModelRef, ModelRef]:
        return resolve_model_ref(self.parent), resolve_model_ref(self.variant)

    def check(self) -> None:
        _positive(self.samples, "number of samples", MAX_SAMPLES)
        self.scope = _choice(LayerScope, self.scope, "layer scope")  # type: ignore[assignment]
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
    ENUMS = {"layout": Layout}

    model_a: str  # variant id or IR path (e.g. the parent)
    model_b: str  # variant id or IR path (e.g. the optimized variant)
    dataset_id: int | None = None
    image_path: str | None = None  # one image (workspace-relative or absolute)
    top_k: int = DEFAULT_TOP_K
    layout: Layout = Layout.AUTO
    threshold: float = DEFAULT_THRESHOLD  # detection confidence to draw a box
    limit: int = DEFAULT_OUTPUT_IMAGES  # dataset samples looked at
    preprocessing: dict[str, Any] | None = None

    def refs(self) -> tuple[ModelRef, ModelRef]:
        return resolve_model_ref(self.model_a), resolve_model_ref(self.model_b)

    def check(self) -> None:
        _positive(self.top_k, "top-k", 100)
        _positive(self.limit, "number of images", MAX_SAMPLES)
        self.layout = _choice(Layout, self.layout, "output layout")  # type: ignore[assignment]
        if not 0.0 <= float(self.threshold) <= 1.0:
            raise UserError(f"The detection threshold {self.threshold} must be between 0 and 1.")
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

    ENUMS = {"preset": Preset}

    parent: int  # variant id of the float model
    previous: int | None = None  # variant id of the INT8 variant to improve
    ignored_names: list[str] = field(default_factory=list)
    ignored_types: list[str] = field(default_factory=list)
    preset: Preset | None = None
    smooth_quant_alpha: float | None = None
    dataset_id: int | None = None
    subset_size: int | None = None
    preprocessing: dict[str, Any] | None = None

    def _previous_params(self) -> dict[str, Any]:
        if self.previous is None:
            return {}
        previous = get_variant(int(self.previous))
        if previous.parent_id != int(self.parent):
            raise UserError(f"Variant #{previous.id} was not made from #{self.parent}.",
                            "Re-quantize from the variant's own parent.")
        return dict(previous.params or {})

    def quantize_params(self) -> dict[str, Any]:
        """The quantize job's params: the previous run's settings with this request's changes."""
        previous = self._previous_params()
        options = dict(previous.get("options") or {})
        options["ignored_names"] = sorted(set(options.get("ignored_names") or []) | set(self.ignored_names))
        options["ignored_types"] = sorted(set(options.get("ignored_types") or []) | set(self.ignored_types))
        if self.preset is not None:
            options["preset"] = str(self.preset)
        if self.smooth_quant_alpha is not None:
            options["smooth_quant_alpha"] = self.smooth_quant_alpha
        if self.subset_size is not None:
            options["subset_size"] = int(self.subset_size)
        options["accuracy_aware"] = False  # the user chose the float layers: plain INT8 with them
        checked = QuantizeOptions.from_dict(options)
        dataset_id = self.dataset_id if self.dataset_id is not None else previous.get("dataset_id")
        return {
            "variant_id": int(self.parent), "dataset_id": dataset_id, "options": checked.to_dict(),
            "preprocessing": self.preprocessing if self.preprocessing is not None else previous.get("preprocessing"),
            "validation_dataset_id": previous.get("validation_dataset_id"),
        }

    def check(self) -> None:
        if not (self.ignored_names or self.ignored_types or self.preset is not None or self.smooth_quant_alpha is not None):
            raise UserError("Nothing to change: name layers or layer types to keep in float, or another preset.",
                            "Pick layers from the layer-error ranking.")
        params = self.quantize_params()
        if params["dataset_id"] is None:
            raise UserError("No calibration dataset: the previous INT8 variant records none.",
                            "Pick a dataset to calibrate on.")
        parent = get_variant(int(self.parent))
        prepare_quantization(variant_xml(parent), params["dataset_id"], QuantizeOptions.from_dict(params["options"]),
                             params["preprocessing"], params["validation_dataset_id"])
        self.check_names(parent)

    def check_names(self, parent: Any) -> None:
        layers = model_layers(read_model(variant_xml(parent)))
        names, types = {layer["name"] for layer in layers}, {layer["type"] for layer in layers}
        missing = [n for n in self.ignored_names if n not in names] + [t for t in self.ignored_types if t not in types]
        if missing:
            raise UserError(f"The parent has no layer or layer type {', '.join(missing)}.",
                            "Use names from the layer-error ranking of this parent.")

    def job(self) -> JobSpec:
        params = self.quantize_params()
        kept = params["options"]["ignored_names"] + params["options"]["ignored_types"]
        what = f"{len(kept)} layer(s)/type(s) in float" if kept else f"preset {params['options']['preset']}"
        return JobSpec(kind="quantize", entrypoint=QUANTIZE_ENTRYPOINT, params=params,
                       target=f"re-quantize #{self.parent} · {what}", variant_id=int(self.parent))
