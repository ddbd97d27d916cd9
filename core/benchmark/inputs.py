"""Read the IR, set the batch, and make the input data, the way benchmark_app does.

The frames-per-second figure is inferences x batch, so the batch dimension has to be found
exactly as benchmark_app finds it (layout "N", else the NCHW/NHWC guess for images), or our
FPS would differ from theirs by a factor on the same model. benchmark_app also feeds image
inputs (3 channels) as u8 tensors converted inside the compiled model, and tells the model
its layout; the compiled graph then differs (the conversion fuses into the first kernels),
so we do the same with random input — and say so in the stored figures.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import UserError
from core.ov_core import read_model

IMAGE_COLOURS_MAX = 4  # benchmark_app's rule for telling channels from spatial dims


IMAGE_LAYOUTS = ("NCHW", "NHWC", "CHW", "HWC")


@dataclass
class PreparedModel:
    model: Any  # ov.Model, reshaped
    read_ms: float
    batch: int  # frames per inference, for FPS
    input_shapes: dict[str, list[int]]
    input_types: dict[str, str] = field(default_factory=dict)  # tensor element type we feed
    # -data_shape: input index -> the static shape of the tensors fed to a (still dynamic) model input
    data_shapes: dict[int, list[int]] = field(default_factory=dict)


def _port_of(model: Any, key: str) -> int:
    """Index of the input a benchmark_app option names (tensor name or node name, as benchmark_app matches)."""
    for index, port in enumerate(model.inputs):
        if key in port.get_names() or key == port.get_node().get_friendly_name():
            return index
    raise UserError(f"The model has no input named {key!r}.",
                    f"Its inputs are: {', '.join(_name(p) for p in model.inputs)}.")


def per_input_option(text: str | None, model: Any, option: str) -> dict[int, str]:
    """benchmark_app's "in1[v1],in2[v2]" or "[v]" (every input), parsed by benchmark_app's own
    function so both read the same text the same way; keys become input indexes."""
    if not text:
        return {}
    from openvino.tools.benchmark.utils.utils import parse_input_parameters

    names = [_name(p) for p in model.inputs]
    try:
        mapping = parse_input_parameters(text, names)
    except Exception:
        mapping = {}
    if not mapping:
        raise UserError(f"{option} {text!r} cannot be read.",
                        f"Write it as benchmark_app does: \"[1,3,224,224]\" for every input, or \"name[...],other[...]\".")
    return {_port_of(model, key): value for key, value in mapping.items()}


def apply_layout(model: Any, text: str | None) -> None:
    """-layout: tell each named input its layout (batch and image rules then follow it)."""
    import openvino as ov

    for index, value in per_input_option(text, model, "-layout").items():
        try:
            layout = ov.Layout(value)
        except Exception as exc:
            raise UserError(f"-layout {value!r} is not a layout.", "Use letters such as NCHW, NHWC or NC.") from exc
        model.inputs[index].get_node().set_layout(layout)


def apply_shape(model: Any, text: str | None) -> None:
    """-shape: reshape the model's inputs before compile (dims may be ?, -1 or a range 1..8)."""
    import openvino as ov

    shapes = {}
    for index, value in per_input_option(text, model, "-shape").items():
        try:
            shapes[model.inputs[index]] = ov.PartialShape(f"[{value}]")
        except Exception as exc:
            raise UserError(f"-shape [{value}] cannot be read.", "Write dims like 1,3,224,224; ? or -1 dynamic, 1..8 a range.") from exc
    if shapes:
        try:
            model.reshape(shapes)
        except Exception as exc:
            raise UserError(f"The model cannot be reshaped to {text}: {str(exc).strip().splitlines()[0][:300]}",
                            "Some models fix a dimension inside the graph; keep that dimension as it is.") from exc


def parse_data_shapes(text: str | None, model: Any) -> dict[int, list[int]]:
    """-data_shape: one static shape per input (benchmark_app also cycles several; we take one)."""
    if not text:
        return {}
    import re

    from openvino.tools.benchmark.utils.utils import get_data_shapes_map

    names = [_name(p) for p in model.inputs]
    try:
        mapping = get_data_shapes_map(text, names)
    except Exception as exc:
        raise UserError(f"-data_shape {text!r} cannot be read: {exc}",
                        "Write it as \"[1,3,224,224]\" or \"name[1,3,224,224],other[1,4]\".") from exc
    result: dict[int, list[int]] = {}
    for key, shapes in mapping.items():
        if len(shapes) != 1:
            raise UserError(f"-data_shape gives {len(shapes)} shapes for {key}; this benchmark feeds one shape per input.",
                            "Run one benchmark per data shape.")
        if shapes[0].is_dynamic:
            raise UserError(f"-data_shape {shapes[0]} for {key} is not a fixed shape.", "Give every dimension as a number.")
        result[_port_of(model, key)] = [int(d) for d in re.findall(r"\d+", str(shapes[0]))]
    return result


def guess_layout(port: Any) -> str | None:
    """The input's layout: its own if the IR has one, else benchmark_app's guess for images."""
    import openvino as ov

    layout = port.get_node().layout
    if layout != ov.Layout():
        return layout.to_string().strip("[]").replace(",", "")
    shape = port.get_partial_shape()
    if shape.rank.is_dynamic:
        return None
    dims = [d.get_max_length() for d in shape]
    if len(dims) == 4:
        if dims[1] <= IMAGE_COLOURS_MAX < dims[3]:
            return "NCHW"
        if dims[3] <= IMAGE_COLOURS_MAX < dims[1]:
            return "NHWC"
    if len(dims) == 3:
        if dims[0] <= IMAGE_COLOURS_MAX < dims[2]:
            return "CHW"
        if dims[2] <= IMAGE_COLOURS_MAX < dims[0]:
            return "HWC"
    return None


def batch_index(port: Any) -> int | None:
    """Index of the batch dimension of a model input, or None when it has none."""
    layout = guess_layout(port)
    return layout.index("N") if layout and "N" in layout and len(layout) == len(port.get_partial_shape()) else None


def _is_image(port: Any, layout: str | None) -> bool:
    """benchmark_app's rule: an image layout with 3 channels."""
    if layout not in IMAGE_LAYOUTS:
        return False
    channels = port.get_partial_shape()[layout.index("C")]
    return channels.is_static and channels.get_length() == 3


def as_benchmark_app_feeds(model: Any) -> tuple[Any, dict[str, str]]:
    """Tell the model its input layouts and take 3-channel images as u8, as benchmark_app does."""
    import openvino as ov
    from openvino.preprocess import PrePostProcessor

    ppp = PrePostProcessor(model)
    types: dict[str, str] = {}
    for index, port in enumerate(model.inputs):
        layout = guess_layout(port)
        if layout:
            ppp.input(index).model().set_layout(ov.Layout(layout))
        if _is_image(port, layout):
            ppp.input(index).tensor().set_element_type(ov.Type.u8)
            types[_name(port)] = "u8"
        else:
            types[_name(port)] = str(port.get_element_type().get_type_name())
    return ppp.build(), types


def _supposed_batch_index(port: Any) -> int | None:
    """With an explicit batch, benchmark_app also takes a first dim of 1 or dynamic as batch."""
    index = batch_index(port)
    if index is not None:
        return index
    shape = port.get_partial_shape()
    if shape.rank.is_static and len(shape) >= 1 and (shape[0].is_dynamic or shape[0].get_length() in (0, 1)):
        return 0
    return None


def _name(port: Any) -> str:
    names = port.get_names()
    return sorted(names)[0] if names else port.get_node().get_friendly_name()


def prepare_model(xml_path: Path, batch: int | None, benchmark_app_feeds: bool = True, shape: str | None = None,
               data_shape: str | None = None, layout: str | None = None) -> PreparedModel:
    """Read the IR and give every input a static shape (with `batch` when asked); with
    `benchmark_app_feeds`, image inputs take u8 like benchmark_app's (see the module doc).

    benchmark_app's -layout, -shape and -data_shape apply first, in its order: the layout
    names the batch, -shape reshapes the model, and an input with a -data_shape stays as
    -shape left it (dynamic) and is fed tensors of that shape."""
    started = time.perf_counter()
    model = read_model(xml_path)
    read_ms = (time.perf_counter() - started) * 1000
    for port in model.inputs:
        if not port.get_names():
            port.set_names({port.get_node().get_friendly_name()})
    apply_layout(model, layout)
    apply_shape(model, shape)
    data_shapes = parse_data_shapes(data_shape, model)
    if data_shapes and batch:
        raise UserError("Give the batch inside -data_shape, not with -b as well.",
                        "benchmark_app ignores -b when -data_shape is given; here it is refused to be clear.")

    new_shapes: dict[Any, Any] = {}
    batch_found = False
    frames = None
    for port_index, port in enumerate(model.inputs):
        shape = port.get_partial_shape()
        if port_index in data_shapes:
            import openvino as ov

            fed = data_shapes[port_index]
            if not shape.compatible(ov.PartialShape(fed)):
                raise UserError(f"-data_shape {fed} does not fit input {_name(port)} of shape {shape}.",
                                "Give a shape the input accepts, or reshape it with -shape first.")
            new_shapes[port] = shape
            index = batch_index(port)
            if index is not None and frames is None:
                frames = fed[index]
            continue
        if shape.rank.is_dynamic:
            raise UserError(
                f"Input {_name(port)} has a dynamic rank; a benchmark needs a fixed input shape.",
                "Convert the model with a fixed input shape (import page, 'input shape').",
            )
        index = _supposed_batch_index(port) if batch else batch_index(port)
        dims = list(shape)
        if batch and index is not None:
            dims[index] = batch
            batch_found = True
        elif index is not None and dims[index].is_dynamic:
            dims[index] = 1  # a dynamic batch without -b runs as batch 1
        if any(d.is_dynamic for d in dims if hasattr(d, "is_dynamic")):
            raise UserError(
                f"Input {_name(port)} has dynamic dimensions {shape}; a benchmark needs a fixed shape.",
                "Convert the model with a fixed input shape, or set only the batch here.",
            )
        new_shapes[port] = [d if isinstance(d, int) else d.get_length() for d in dims]
        if index is not None and frames is None:
            frames = new_shapes[port][index]
    if batch and not batch_found:
        raise UserError(
            f"This model's batch cannot be changed: no input has a batch dimension "
            f"(shapes {', '.join(str(list(p.get_partial_shape())) for p in model.inputs)}).",
            "Leave the batch empty; the model processes one fixed input per inference.",
        )
    if batch:
        try:
            model.reshape({port: shape for port, shape in new_shapes.items()})
        except Exception as exc:
            raise UserError(
                f"This model's batch cannot be changed to {batch}: {str(exc).splitlines()[0][:300]}",
                "Some models fix the batch inside the graph (e.g. a Reshape to a constant shape); "
                "re-export the model with a dynamic batch or leave the batch empty.",
            ) from exc
    elif any(p.get_partial_shape().is_dynamic for i, p in enumerate(model.inputs) if i not in data_shapes):
        model.reshape({port: shape for port, shape in new_shapes.items()})
    shapes = {_name(p): data_shapes.get(i) or [int(d) for d in p.get_shape()] for i, p in enumerate(model.inputs)}
    types = {_name(p): str(p.get_element_type().get_type_name()) for p in model.inputs}
    if benchmark_app_feeds:
        model, types = as_benchmark_app_feeds(model)
    return PreparedModel(model=model, read_ms=read_ms, batch=int(frames or 1), input_shapes=shapes,
                         input_types=types, data_shapes=data_shapes)


def random_inputs(compiled: Any, count: int, seed: int = 0,
                  data_shapes: dict[int, list[int]] | None = None) -> list[dict[int, np.ndarray]]:
    """`count` sets of random input data in the range benchmark_app uses for each type
    (of the -data_shape shape for a dynamic input)."""
    rng = np.random.default_rng(seed)
    sets = []
    for _ in range(count):
        data: dict[int, np.ndarray] = {}
        for index, port in enumerate(compiled.inputs):
            dtype = port.get_element_type().to_dtype()
            shape = (data_shapes or {}).get(index) or list(port.get_shape())
            if dtype == np.bool_:
                data[index] = rng.integers(0, 2, shape).astype(dtype)
            elif np.issubdtype(dtype, np.integer):
                info = np.iinfo(dtype)
                data[index] = rng.integers(max(info.min, 0), min(info.max, 255), shape, endpoint=True).astype(dtype)
            else:
                data[index] = rng.uniform(0, 255, shape).astype(dtype)
        sets.append(data)
    return sets


BENCHMARK_PACK_SAMPLES = 128  # what a target is sent for dataset input: more than any set of requests reads


def benchmark_source(dataset_id: int, model: Any) -> Any:
    """The checked samples of a stored dataset a benchmark feeds `model` (on this machine)."""
    from core.datasets.feeding import open_source

    return open_source(dataset_id, model, minimum=1, purpose="a benchmark")


def dataset_inputs(compiled: Any, model: Any, dataset_id: int, count: int,
                   samples: Path | None = None) -> list[dict[int, np.ndarray]]:
    """Input sets made of real samples of a stored dataset, preprocessed as the datasets
    feature prepares them for this model (one sample per batch slot). On a target the dataset's
    first samples arrive packed (`samples`, core/datasets/packs.py) and are read from there."""
    if samples is not None:
        from core.datasets.packs import PackedSource

        source = PackedSource(Path(samples))
    else:
        source = benchmark_source(dataset_id, model)
    names = [(index, port.get_names()) for index, port in enumerate(compiled.inputs)]
    sets = []
    cursor = 0
    for _ in range(count):
        data: dict[int, np.ndarray] = {}
        for index, port in enumerate(compiled.inputs):
            shape = list(port.get_shape())
            slots = []
            for _slot in range(shape[0] if shape else 1):
                sample = source.inputs((cursor + _slot) % len(source))
                array = next((a for name, a in sample.items() if name in names[index][1]), None)
                if array is None and len(sample) == 1:
                    array = next(iter(sample.values()))
                if array is None:
                    raise UserError(f"The dataset has no data for the model input {sorted(names[index][1])}.",
                                    "Use random input.")
                slots.append(array)
            batch = np.concatenate(slots, axis=0)
            if list(batch.shape) != shape:
                raise UserError(f"Dataset samples have shape {list(batch.shape)}; the model input wants {shape}.",
                                "Use random input, or a dataset made for this model.")
            data[index] = batch.astype(port.get_element_type().to_dtype())
        cursor += shape[0] if shape else 1
        sets.append(data)
    return sets
