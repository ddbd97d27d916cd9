"""Embed layout, channel reversal, mean and scale into the IR (Model Optimizer semantics).

MO users know: `--reverse_input_channels --mean_values R,G,B --scale_values R,G,B` on an
RGB model gives an IR that takes BGR 0..255 images straight from OpenCV. The order is
fixed — reverse first, then subtract mean, then divide by scale — and mean/scale are
given in the model's own channel order. We build exactly that with
`ov.preprocess.PrePostProcessor` and record it in rt_info (see core/rtinfo.py).
"""

from __future__ import annotations

from typing import Any

from core.convert.options import ALL_INPUTS, ConvertOptions
from core.errors import UserError
from core.rtinfo import write_preprocessing


def port_name(port: Any, index: int, kind: str = "input") -> str:
    """The tensor name users see (and pass back in options); a positional label if unnamed."""
    return port.get_any_name() if port.get_names() else f"{kind} {index}"


def _find_input(model: Any, name: str) -> Any:
    for port in model.inputs:
        if name in port.get_names():
            return port
    names = ", ".join(sorted(n for p in model.inputs for n in p.get_names()))
    raise UserError(f"The model has no input named '{name}'.", f"Its inputs are: {names}.")


def _guess_layout(port: Any) -> str | None:
    shape = port.get_partial_shape()
    if shape.rank.is_dynamic or shape.rank.get_length() != 4:
        return None
    dims = [d.get_length() if d.is_static else None for d in shape]
    if dims[1] in (1, 3, 4) and dims[3] not in (1, 3, 4):
        return "NCHW"
    if dims[3] in (1, 3, 4) and dims[1] not in (1, 3, 4):
        return "NHWC"
    return None


def _layout_for(port: Any, name: str, options: ConvertOptions, required: bool) -> str | None:
    layout = options.layout.get(name) or options.layout.get(ALL_INPUTS)
    if layout:
        return layout
    existing = port.get_node().get_layout()
    if not existing.empty:
        return existing.to_string().strip("[]").replace(",", "")
    guessed = _guess_layout(port)
    if guessed is None and required:
        raise UserError(
            f"Input '{name}' ({port.get_partial_shape()}) needs a layout for mean/scale/reverse-channels: which dimension holds the channels?",
            "Set the layout, e.g. NCHW or NHWC, for this input.",
        )
    return guessed


def _channels(port: Any, name: str, layout: str, why: str) -> int:
    import openvino as ov

    shape = port.get_partial_shape()
    if shape.rank.is_dynamic:
        raise UserError(
            f"Input '{name}' has no known shape, but {why} needs its channel count.",
            "Set a shape for this input (e.g. 1,3,224,224).",
        )
    ov_layout = ov.Layout(layout)
    if not ov.layout_helpers.has_channels(ov_layout):
        raise UserError(f"The layout {layout} of input '{name}' has no channel dimension (C), which {why} needs.", "Use a layout with C, e.g. NCHW.")
    if len(layout.replace("?", "x").replace(".", "")) != shape.rank.get_length() and "." not in layout:
        raise UserError(f"The layout {layout} does not fit input '{name}' of shape {shape}.", "Give one letter per dimension.")
    dim = shape[ov.layout_helpers.channels_idx(ov_layout)]
    if dim.is_dynamic:
        raise UserError(
            f"The channel dimension of input '{name}' is dynamic ({shape}), but {why} needs to know it.",
            "Set a static shape, or at least a static channel count (e.g. ?,3,?,?).",
        )
    return dim.get_length()


def _check_count(values: list[float] | None, channels: int, what: str, name: str) -> None:
    if values is not None and len(values) not in (1, channels):
        raise UserError(
            f"{len(values)} {what} were given for input '{name}', which has {channels} channels.",
            f"Give one value per channel ({channels}) or a single value for all.",
        )


def apply_preprocessing(model: Any, options: ConvertOptions) -> tuple[Any, dict[str, Any]]:
    """The model with layouts and embedded preprocessing, and the record written to rt_info."""
    import openvino as ov
    from openvino.preprocess import PrePostProcessor

    for key in [*options.layout, *options.mean_values, *options.scale_values]:
        if key != ALL_INPUTS:
            _find_input(model, key)
    plan: list[tuple[str, str | None, dict[str, Any]]] = []
    for index, port in enumerate(model.inputs):
        name = port_name(port, index)
        mean = options.mean_values.get(name, options.mean_values.get(ALL_INPUTS))
        scale = options.scale_values.get(name, options.scale_values.get(ALL_INPUTS))
        targeted = name in options.mean_values or name in options.scale_values or name in options.layout
        rank = port.get_partial_shape().rank
        image_like = rank.is_static and rank.get_length() == 4
        wants_steps = (mean is not None or scale is not None or options.reverse_channels) and (targeted or image_like or len(model.inputs) == 1)
        layout = _layout_for(port, name, options, required=wants_steps)
        if not wants_steps:
            fits = rank.is_static and len(layout or "") == rank.get_length()
            if layout and (name in options.layout or (ALL_INPUTS in options.layout and fits)):
                plan.append((name, layout, {}))
            continue
        assert layout is not None
        why = "mean/scale values" if mean is not None or scale is not None else "reversing channels"
        channels = _channels(port, name, layout, why)
        _check_count(mean, channels, "mean values", name)
        _check_count(scale, channels, "scale values", name)
        steps = (["reverse_channels"] if options.reverse_channels else []) + (["mean"] if mean else []) + (["scale"] if scale else [])
        plan.append((name, layout, {
            "layout": layout,
            "channels": channels,
            "steps": steps,
            "reverse_channels": options.reverse_channels,
            "mean_values": mean,
            "scale_values": scale,
        }))
    if options.has_preprocessing and not any(record for _, _, record in plan):
        raise UserError(
            "Mean/scale/reverse-channels were given, but no input has an image-like 4-D shape to apply them to.",
            "Name the input explicitly, e.g. --mean-values input_name[123.7,116.3,103.5], and set its layout.",
        )
    if not plan:
        return model, {}
    ppp = PrePostProcessor(model)
    for name, layout, record in plan:
        step_input = ppp.input(name)
        if layout:
            step_input.model().set_layout(ov.Layout(layout))
        if record:
            step_input.tensor().set_layout(ov.Layout(layout))
            pre = step_input.preprocess()
            if record["reverse_channels"]:
                pre.reverse_channels()
            if record["mean_values"]:
                pre.mean(record["mean_values"])
            if record["scale_values"]:
                pre.scale(record["scale_values"])
    try:
        model = ppp.build()
    except Exception as exc:
        raise UserError(f"The preprocessing cannot be embedded: {str(exc).splitlines()[-1][:300]}", "Check layout, mean and scale values against the input shapes.") from exc
    records = {name: record for name, _, record in plan if record}
    write_preprocessing(model, records)
    return model, records


def raw_to_model_input(raw: Any, record: dict[str, Any]) -> Any:
    """What the original model sees when the IR gets `raw` (numpy), per the recorded steps."""
    import numpy as np
    import openvino as ov

    layout = ov.Layout(record["layout"])
    axis = ov.layout_helpers.channels_idx(layout)
    axis = axis if axis >= 0 else raw.ndim + axis
    data = raw.astype(np.float32)
    shape = [1] * raw.ndim
    shape[axis] = -1
    for step in record["steps"]:
        if step == "reverse_channels":
            data = np.flip(data, axis=axis)
        elif step == "mean":
            data = data - np.asarray(record["mean_values"], dtype=np.float32).reshape(shape if len(record["mean_values"]) > 1 else [1])
        elif step == "scale":
            data = data / np.asarray(record["scale_values"], dtype=np.float32).reshape(shape if len(record["scale_values"]) > 1 else [1])
    return np.ascontiguousarray(data)
