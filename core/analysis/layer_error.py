"""Layer-by-layer error: where along the network an optimized variant leaves its parent.

Both IRs are read, every intermediate output the two share (same friendly name and type —
NNCF's INT8 IR keeps the FP32 names and only adds FakeQuantize/weight-decompression ops) is
added as a model output on a copy of each ov.Model, and both are compiled with
INFERENCE_PRECISION_HINT f32, so the parent is an exact reference on any CPU and the only
difference left is what the optimization did.

Memory: one sample at a time. The request holds that sample's activations; each layer is
reduced to a few sums (||a-b||², ||b||², a·b, ||a||², max |a-b|) and nothing else is kept, so
memory is one sample's activations of the two models, whatever the sample count.

"Where the error jumps": a layer inherits the error of its inputs; the interesting layers are
the ones whose own relative error is much larger than the largest error among their nearest
compared inputs. Those are ranked first.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from core.accuracy.evaluate import ACCURACY_CONFIG
from core.benchmark.engine import peak_rss_mb
from core.datasets.feeding import SampleSource
from core.errors import UserError
from core.ov_core import core_instance, read_model
from core.progress import Progress, no_progress

# Ops whose outputs say nothing about numerical error (shapes, constants, graph ends).
SKIPPED_TYPES = frozenset({"Parameter", "Constant", "Result", "ShapeOf", "Convert", "FakeQuantize"})
FLOAT_TYPES = frozenset({"f32", "f16", "bf16", "f64"})
TINY = 1e-30


# An op whose only consumer is one of these (with constants as its other inputs) runs fused
# with it on CPU (Convolution + bias Add + ReLU is one kernel). Reading the op's own output
# would split the fused kernel and slow every inference ~3x; the chain's end carries its error.
FOLLOWERS = frozenset({
    "Add", "Multiply", "Subtract", "Relu", "Clamp", "HSwish", "HSigmoid", "Sigmoid", "Swish", "Gelu", "PRelu",
    "Elu", "Tanh", "Mish", "SoftPlus", "Exp",
})


class LayerScope(StrEnum):
    """Which outputs are compared: ends of fused chains (fast, default) or every op (slower)."""

    CHAINS = "chains"
    ALL = "all"


@dataclass(frozen=True, kw_only=True)
class Layer:
    """One compared output: the parent op's friendly name (":port" when it has several outputs).

    `chain` lists the ops folded into it (first the op that starts the chain, e.g. the
    Convolution, then its bias Add and activation); `anchor` is the one to keep in float.
    """

    key: str
    name: str
    type: str
    port: int
    order: int
    inputs: tuple[str, ...]  # keys of the nearest compared layers feeding it ("" for a model input)
    chain: tuple[str, ...] = ()
    anchor: str = ""
    anchor_type: str = ""


@dataclass
class LayerStats:
    """Running sums for one layer over samples (never the activations themselves)."""

    samples: int = 0
    error_sq: float = 0.0
    reference_sq: float = 0.0
    cosine_sum: float = 0.0
    cosine_min: float = 1.0
    max_abs: float = 0.0
    elements: int = 0

    def add(self, variant: np.ndarray, reference: np.ndarray, scratch: np.ndarray) -> None:
        a = variant.reshape(-1)
        b = reference.reshape(-1)
        diff = np.subtract(a, b, out=scratch[: a.size])
        with np.errstate(over="ignore", invalid="ignore"):
            err, ref, own, cross = (float(np.dot(x, y)) for x, y in ((diff, diff), (b, b), (a, a), (a, b)))
        if not all(map(math.isfinite, (err, ref, own, cross))):  # float32 sums overflowed: redo in float64
            a64, b64 = a.astype(np.float64), b.astype(np.float64)
            d64 = a64 - b64
            err, ref, own, cross = (float(np.dot(x, y)) for x, y in ((d64, d64), (b64, b64), (a64, a64), (a64, b64)))
        norm = math.sqrt(own * ref)
        cosine = cross / norm if norm > TINY else (1.0 if err <= TINY else 0.0)
        self.samples += 1
        self.error_sq += err
        self.reference_sq += ref
        self.cosine_sum += cosine
        self.cosine_min = min(self.cosine_min, cosine)
        self.max_abs = max(self.max_abs, float(np.max(np.abs(diff), initial=0.0)))
        self.elements += a.size

    @property
    def relative_error(self) -> float:
        """sqrt(Σ||a-b||² / Σ||b||²) over all samples: 0 = identical, 1 = error as large as the signal."""
        if self.reference_sq <= TINY:
            return 0.0 if self.error_sq <= TINY else math.inf
        return math.sqrt(self.error_sq / self.reference_sq)

    @property
    def snr_db(self) -> float:
        if self.error_sq <= TINY:
            return math.inf
        if self.reference_sq <= TINY:
            return -math.inf
        return 10 * math.log10(self.reference_sq / self.error_sq)


def _is_float(output: Any) -> bool:
    return output.get_element_type().get_type_name() in FLOAT_TYPES


def _key(op: Any, port: int) -> str:
    name = op.get_friendly_name()
    return name if op.get_output_size() == 1 else f"{name}:{port}"


def _only_consumer(op: Any) -> Any | None:
    if op.get_output_size() != 1:
        return None
    targets = list(op.output(0).get_target_inputs())
    return targets[0].get_node() if len(targets) == 1 else None


def _other_inputs_constant(consumer: Any, op: Any) -> bool:
    for inp in consumer.inputs():
        node = inp.get_source_output().get_node()
        while node.get_type_name() == "Convert":
            node = node.input(0).get_source_output().get_node()
        if node is not op and node.get_type_name() != "Constant":
            return False
    return True


def comparable_layers(parent: Any, variant: Any, scope: LayerScope = LayerScope.CHAINS) -> list[Layer]:
    """The parent's op outputs that the variant has too (same name, type, output count), in topological order."""
    variant_ops = {op.get_friendly_name(): op for op in variant.get_ordered_ops()}
    candidates: dict[str, tuple[Any, int]] = {}
    for op in parent.get_ordered_ops():
        kind = op.get_type_name()
        if kind in SKIPPED_TYPES:
            continue
        twin = variant_ops.get(op.get_friendly_name())
        if twin is None or twin.get_type_name() != kind or twin.get_output_size() != op.get_output_size():
            continue
        for port in range(op.get_output_size()):
            if _is_float(op.output(port)) and op.output(port).get_partial_shape().compatible(twin.output(port).get_partial_shape()):
                candidates[_key(op, port)] = (op, port)

    chains: dict[str, list[Any]] = {key: [op] for key, (op, _port) in candidates.items()}
    if scope == LayerScope.CHAINS:
        for key in list(candidates):
            op, _port = candidates[key]
            consumer = _only_consumer(op)
            if consumer is None or consumer.get_type_name() not in FOLLOWERS:
                continue
            consumer_key = _key(consumer, 0)
            if consumer_key in candidates and _other_inputs_constant(consumer, op):
                chains[consumer_key] = chains.pop(key) + chains[consumer_key]
                del candidates[key]

    feeds: dict[int, tuple[str, ...]] = {}  # node id -> nearest compared keys behind that node's outputs

    def nearest(node: Any, port: int) -> tuple[str, ...]:
        key = _key(node, port)
        if key in candidates:
            return (key,)
        kind = node.get_type_name()
        if kind == "Parameter":
            return ("",)
        if kind == "Constant":
            return ()
        marker = id(node)
        if marker not in feeds:
            feeds[marker] = ()  # guards against cycles (none in a valid IR)
            found: list[str] = []
            for inp in node.inputs():
                source = inp.get_source_output()
                for k in nearest(source.get_node(), source.get_index()):
                    if k not in found:
                        found.append(k)
            feeds[marker] = tuple(found)
        return feeds[marker]

    layers: list[Layer] = []
    for key, (op, port) in candidates.items():
        inputs: list[str] = []
        for inp in op.inputs():
            source = inp.get_source_output()
            for k in nearest(source.get_node(), source.get_index()):
                if k not in inputs:
                    inputs.append(k)
        chain = chains[key]
        layers.append(Layer(key=key, name=op.get_friendly_name(), type=op.get_type_name(), port=port,
                            order=len(layers), inputs=tuple(inputs),
                            chain=tuple(c.get_friendly_name() for c in chain),
                            anchor=chain[0].get_friendly_name(), anchor_type=chain[0].get_type_name()))
    return layers


def expose(model: Any, layers: Sequence[Layer]) -> tuple[Any, dict[str, int]]:
    """A copy of `model` whose outputs also include every layer's output; key -> compiled output index."""
    copy = model.clone()
    by_name = {op.get_friendly_name(): op for op in copy.get_ordered_ops()}
    added = copy.add_outputs([by_name[layer.name].output(layer.port) for layer in layers])
    # A layer that already is a model output is not added again: find each port's Result by name.
    position = {port.get_node().get_friendly_name(): i for i, port in enumerate(copy.outputs)}
    return copy, {layer.key: position[port.get_node().get_friendly_name()] for layer, port in zip(layers, added)}


def _finite(value: float) -> float | None:
    """JSON has no infinity: an infinite figure is null, and the row's `identical` says why
    (SNR of an exact match); a null relative error means the parent's output was all zero."""
    return value if math.isfinite(value) else None


def rank_jumps(rows: list[dict[str, Any]], top: int | None = None) -> list[dict[str, Any]]:
    """Layers sorted by how much error they add over their inputs (largest first)."""
    ranked = sorted((r for r in rows if r["jump"] > 0), key=lambda r: r["jump"], reverse=True)
    return ranked[:top] if top else ranked


def layer_error(
    parent_xml: Path,
    variant_xml: Path,
    source: SampleSource,
    indices: Sequence[int],
    progress: Progress = no_progress,
    device: str = "CPU",
    scope: LayerScope = LayerScope.CHAINS,
) -> dict[str, Any]:
    """Per-layer relative error / cosine / SNR of `variant_xml` against `parent_xml` on `indices`."""
    started = time.perf_counter()
    if not indices:
        raise UserError("There are no samples to compare the layers on.")
    progress(0.0, "reading both models and matching their layers")
    parent, variant = read_model(parent_xml), read_model(variant_xml)
    layers = comparable_layers(parent, variant, scope)
    if not layers:
        raise UserError(
            "The two models share no layer names, so their layers cannot be compared.",
            "Compare a variant with the model it was made from (INT8 and FP16 keep the FP32 layer names).",
        )
    parent_exposed, parent_index = expose(parent, layers)
    variant_exposed, variant_index = expose(variant, layers)
    progress(0.02, f"compiling both models with {len(layers)} layer outputs exposed")
    core = core_instance()
    compiled_parent = core.compile_model(parent_exposed, device, ACCURACY_CONFIG)
    compiled_variant = core.compile_model(variant_exposed, device, ACCURACY_CONFIG)
    del parent_exposed, variant_exposed
    request_parent, request_variant = compiled_parent.create_infer_request(), compiled_variant.create_infer_request()
    compile_seconds = time.perf_counter() - started
    stats = {layer.key: LayerStats() for layer in layers}
    scratch = np.empty(0, dtype=np.float32)
    infer_seconds = reduce_seconds = 0.0
    for n, index in enumerate(indices):
        progress(0.05 + 0.9 * n / len(indices), f"sample {n + 1}/{len(indices)}")
        inputs = source.inputs(index)
        t0 = time.perf_counter()
        request_parent.infer(inputs)
        request_variant.infer(inputs)
        t1 = time.perf_counter()
        for layer in layers:
            reference = request_parent.get_output_tensor(parent_index[layer.key]).data
            output = request_variant.get_output_tensor(variant_index[layer.key]).data
            if reference.shape != output.shape:
                raise UserError(f"The layer {layer.name} has shape {output.shape} in the variant and "
                                f"{reference.shape} in the parent; they cannot be compared.")
            if reference.dtype != np.float32:
                reference = reference.astype(np.float32)
            if output.dtype != np.float32:
                output = output.astype(np.float32)
            if scratch.size < reference.size:
                scratch = np.empty(reference.size, dtype=np.float32)
            stats[layer.key].add(output, reference, scratch)
        reduce_seconds += time.perf_counter() - t1
        infer_seconds += t1 - t0
    rows = []
    errors = {layer.key: stats[layer.key].relative_error for layer in layers}
    for layer in layers:
        s = stats[layer.key]
        inherited = max((errors.get(k, 0.0) for k in layer.inputs if k), default=0.0)
        rel = errors[layer.key]
        rows.append({
            "order": layer.order, "name": layer.name, "key": layer.key, "type": layer.type,
            "anchor": layer.anchor, "anchor_type": layer.anchor_type, "chain": list(layer.chain),
            "relative_error": _finite(rel), "cosine": s.cosine_sum / max(1, s.samples), "cosine_min": s.cosine_min,
            "snr_db": _finite(s.snr_db), "identical": s.error_sq <= TINY, "max_abs_diff": s.max_abs,
            "input_error": _finite(inherited),
            "jump": (rel - inherited) if math.isfinite(rel) and math.isfinite(inherited) else 0.0,
            "inputs": [k for k in layer.inputs if k],
        })
    ranked = rank_jumps(rows)
    for position, row in enumerate(ranked, start=1):
        row["jump_rank"] = position
    progress(1.0, "layer error measured")
    final = rows[-1] if rows else {}
    return {
        "samples": len(indices),
        "layers_compared": len(layers),
        "parent_ops": sum(1 for op in parent.get_ordered_ops() if op.get_type_name() not in SKIPPED_TYPES),
        "inference_precision": ACCURACY_CONFIG["INFERENCE_PRECISION_HINT"],
        "device": device,
        "layers": rows,
        "scope": str(scope),
        "ranking": [{"key": r["key"], "name": r["name"], "type": r["type"], "anchor": r["anchor"],
                     "anchor_type": r["anchor_type"], "jump": r["jump"],
                     "relative_error": r["relative_error"], "input_error": r["input_error"]} for r in ranked],
        "final_layer": {"name": final.get("name"), "relative_error": final.get("relative_error")},
        "seconds": time.perf_counter() - started,
        "compile_seconds": compile_seconds,
        "infer_seconds": infer_seconds,
        "reduce_seconds": reduce_seconds,
        "peak_rss_mb": peak_rss_mb(),
    }


def suggested_ignored_scope(report: dict[str, Any], count: int = 3) -> list[str]:
    """The op names to keep in float first: where the largest error jumps start (each chain's first op)."""
    names: list[str] = []
    for row in report.get("ranking", []):
        name = row.get("anchor") or row["name"]
        if name not in names:
            names.append(name)
        if len(names) >= count:
            break
    return names

