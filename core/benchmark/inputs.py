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

IMAGE_COLOURS_MAX = 4  # benchmark_app's rule for telling channels from spatial dims


IMAGE_LAYOUTS = ("NCHW", "NHWC", "CHW", "HWC")


@dataclass
class PreparedModel:
    model: Any  # ov.Model, reshaped
    read_ms: float
    batch: int  # frames per inference, for FPS
    input_shapes: dict[str, list[int]]
    input_types: dict[str, str] = field(default_factory=dict)  # tensor element type we feed


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


def read_model(xml_path: Path, batch: int | None, benchmark_app_feeds: bool = True) -> PreparedModel:
    """Read the IR and give every input a static shape (with `batch` when asked); with
    `benchmark_app_feeds`, image inputs take u8 like benchmark_app's (see the module doc)."""
    from core.system_info import core_instance

    started = time.perf_counter()
    try:
        model = core_instance().read_model(str(xml_path))
    except Exception as exc:  # a broken or foreign file: say so plainly
        raise UserError(f"OpenVINO cannot read {Path(xml_path).name}: {str(exc).splitlines()[0][:300]}") from exc
    read_ms = (time.perf_counter() - started) * 1000

    new_shapes: dict[Any, Any] = {}
    batch_found = False
    frames = None
    for port in model.inputs:
        if not port.get_names():
            port.set_names({port.get_node().get_friendly_name()})
        shape = port.get_partial_shape()
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
    elif any(p.get_partial_shape().is_dynamic for p in model.inputs):
        model.reshape({port: shape for port, shape in new_shapes.items()})
    shapes = {_name(p): [int(d) for d in p.get_shape()] for p in model.inputs}
    types = {_name(p): str(p.get_element_type().get_type_name()) for p in model.inputs}
    if benchmark_app_feeds:
        model, types = as_benchmark_app_feeds(model)
    return PreparedModel(model=model, read_ms=read_ms, batch=int(frames or 1), input_shapes=shapes,
                         input_types=types)


def random_inputs(compiled: Any, count: int, seed: int = 0) -> list[dict[int, np.ndarray]]:
    """`count` sets of random input data in the range benchmark_app uses for each type."""
    rng = np.random.default_rng(seed)
    sets = []
    for _ in range(count):
        data: dict[int, np.ndarray] = {}
        for index, port in enumerate(compiled.inputs):
            dtype = port.get_element_type().to_dtype()
            shape = list(port.get_shape())
            if dtype == np.bool_:
                data[index] = rng.integers(0, 2, shape).astype(dtype)
            elif np.issubdtype(dtype, np.integer):
                info = np.iinfo(dtype)
                data[index] = rng.integers(max(info.min, 0), min(info.max, 255), shape, endpoint=True).astype(dtype)
            else:
                data[index] = rng.uniform(0, 255, shape).astype(dtype)
        sets.append(data)
    return sets


def dataset_inputs(compiled: Any, model: Any, dataset_id: int, count: int) -> list[dict[int, np.ndarray]]:
    """Input sets made of real samples of a stored dataset, preprocessed as the datasets
    feature prepares them for this model (one sample per batch slot)."""
    from core.datasets.feeding import open_source

    source = open_source(dataset_id, model, minimum=1, purpose="a benchmark")
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
