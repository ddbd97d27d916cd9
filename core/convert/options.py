"""Conversion options parsed: the record the converter reads and a variant's lineage stores.

The user states them as text in a `ConvertRequest` (core/convert/requests.py: the page's fields,
`ovc`-style flags); its `convert_options()` parses them here, once, so "how was this IR made"
is answered by the stored params alone.
Argument syntax follows ovc / the Model Optimizer:
  --input image[1,3,224,224]   --input "image[?,3,224,224],mask[?,1,224,224]"   --input 1,3,224,224
  --layout NCHW  or  image(NCHW)      --mean-values 123.7,116.3,103.5  or  image[123.7,116.3,103.5]
A dimension may be ? or -1 (dynamic) or a range 1..8.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from core.errors import UserError

ALL_INPUTS = ""  # key for values that apply to every (image) input


@dataclass
class InputSpec:
    """One input to keep (and cut the graph at), optionally with a new shape."""

    name: str | None = None  # None: by position
    shape: str | None = None  # PartialShape text, e.g. "1,3,224,224" or "?,3,?,?"


@dataclass
class ConvertOptions:
    inputs: list[InputSpec] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    layout: dict[str, str] = field(default_factory=dict)
    mean_values: dict[str, list[float]] = field(default_factory=dict)
    scale_values: dict[str, list[float]] = field(default_factory=dict)
    reverse_channels: bool = False
    compress_to_fp16: bool = False  # ours: FP32 weights; ovc's default is True (the CLI says so when it matters)
    name: str | None = None
    extensions: list[str] = field(default_factory=list)  # ovc --extension: custom-op libraries / frontend extensions

    def to_params(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_params(cls, data: dict[str, Any] | None) -> ConvertOptions:
        data = dict(data or {})
        data["inputs"] = [InputSpec(**spec) for spec in data.get("inputs", [])]
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise UserError(f"Unknown conversion options: {', '.join(sorted(unknown))}.")
        return cls(**data)

    @property
    def has_preprocessing(self) -> bool:
        return bool(self.mean_values or self.scale_values or self.reverse_channels)

    def summary(self) -> str:
        parts = []
        for spec in self.inputs:
            parts.append(f"input {spec.name or '#'}{'[' + spec.shape + ']' if spec.shape else ''}")
        if self.outputs:
            parts.append("outputs " + ",".join(self.outputs))
        for key, value in self.layout.items():
            parts.append(f"layout {key + ':' if key else ''}{value}")
        for label, values in (("mean", self.mean_values), ("scale", self.scale_values)):
            for key, numbers in values.items():
                parts.append(f"{label} {key + ':' if key else ''}{','.join(f'{v:g}' for v in numbers)}")
        if self.reverse_channels:
            parts.append("reverse channels")
        parts.append("FP16 weights" if self.compress_to_fp16 else "FP32 weights")
        for path in self.extensions:
            parts.append(f"extension {path}")
        return "; ".join(parts)


def split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside [...] or (...)."""
    items, depth, current = [], 0, ""
    for ch in text:
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        if ch == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += ch
    items.append(current)
    return [item.strip() for item in items if item.strip()]


# A bare shape without brackets: "1 3 224 224", "1,3,224,224", "?,3,1..8,-1" (one input).
_DIM = r"(?:\?|-1|\d+(?:\.\.\d+)?|\.\.\d+|\d+\.\.)"
_BARE_SHAPE = re.compile(rf"^\s*{_DIM}(?:\s*,\s*{_DIM}|\s+{_DIM})*\s*$")


def check_shape_text(shape: str, where: str = "") -> str:
    """Normalise a shape as ovc reads it — "1 3 224 224", "1,3,224,224", "[?,3,224,224]",
    "[1..8, 3, -1, ?]" — to "1,3,224,224"; UserError if unreadable. Spaces separate dims
    (ovc's rule), so "1 3 224 224" is four dims, never 13224224."""
    import openvino as ov

    dims = [d for d in re.split(r"[,\s]+", shape.strip().strip("[]")) if d]
    if not dims:
        raise UserError(f"The shape for {where or 'an input'} is empty.", "Write it like 1,3,224,224 (? for a dynamic dimension).")
    try:
        ov.PartialShape(f"[{','.join(dims)}]")
    except Exception as exc:
        raise UserError(
            f"The shape '{shape}' for {where or 'an input'} cannot be read.",
            "Write it like 1,3,224,224 or 1 3 224 224; use ? or -1 for a dynamic dimension and 1..8 for a range.",
        ) from exc
    return ",".join("?" if d == "-1" else d for d in dims)


def parse_input_specs(values: list[str] | None) -> list[InputSpec]:
    """`--input` values as ovc reads them (its own `parse_inputs`, so both agree on every form):
    name[1,3,224,224], name, [1,100],[1,?] (unnamed, one per input in order), ranges 1..8,
    ? / -1; plus the bare shape "1 3 224 224" or "1,3,224,224" (MO's habit) for one input."""
    from openvino.tools.ovc.cli_parser import parse_inputs

    specs: list[InputSpec] = []
    for value in values or []:
        text = value.strip()
        if _BARE_SHAPE.match(text):
            specs.append(InputSpec(None, check_shape_text(text)))
            continue
        try:
            parsed = parse_inputs(text)
        except Exception as exc:
            raise UserError(f"--input {value!r} cannot be read.",
                            "Write NAME[1,3,224,224], NAME, [1,100],[1,?] (one shape per input, in order), "
                            "or just 1 3 224 224.") from exc
        for name, shape in parsed:
            name = name.strip() if name else None
            if shape is not None and shape.rank.is_static and len(shape) == 0:
                raise UserError(f"--input {value!r} gives an empty (scalar) shape.", "Give the dimensions, e.g. [1,3,224,224].")
            specs.append(InputSpec(name or None, check_shape_text(str(shape), name or "") if shape is not None else None))
    return specs


def _per_input(text: str | None, opener: str, closer: str) -> dict[str, str]:
    """'VALUE' → {"": VALUE};  'a[V1],b[V2]' → {"a": V1, "b": V2}."""
    if not text:
        return {}
    if opener not in text:
        return {ALL_INPUTS: text.strip()}
    result = {}
    for item in split_top_level(text):
        match = re.fullmatch(rf"(?P<name>.+?)\{opener}(?P<value>[^\{closer}]*)\{closer}", item)
        if match is None:
            raise UserError(f"{item!r} cannot be read.", f"Write NAME{opener}VALUE{closer} per input, or one value for all inputs.")
        result[match.group("name").strip()] = match.group("value").strip()
    return result


def parse_layout(text: str | None) -> dict[str, str]:
    layouts = _per_input(text, "(", ")") if text and "(" in text else _per_input(text, "[", "]")
    for key, value in layouts.items():
        value = value.strip("[]").upper()
        if not re.fullmatch(r"[A-Z?.]+", value):
            raise UserError(f"The layout {value!r} is not valid.", "Use letters such as NCHW or NHWC (N batch, C channels, H, W).")
        layouts[key] = value
    return layouts


def parse_values(text: str | None, what: str) -> dict[str, list[float]]:
    result = {}
    for key, value in _per_input(text, "[", "]").items():
        try:
            numbers = [float(v) for v in value.replace(" ", "").split(",") if v]
        except ValueError as exc:
            raise UserError(f"The {what} '{value}' are not numbers.", "Write them like 123.675,116.28,103.53.") from exc
        if not numbers:
            raise UserError(f"The {what} for {key or 'the inputs'} are empty.")
        if what == "scale values" and any(n == 0 for n in numbers):
            raise UserError("A scale value of 0 would divide by zero.", "Scale values are the divisors, e.g. 58.395,57.12,57.375.")
        result[key] = numbers
    return result


def check_extensions(paths: list[str] | None) -> list[str]:
    """--extension paths as absolute paths, each loadable by OpenVINO (checked now, so a wrong
    file fails with its name rather than deep inside the conversion)."""
    from pathlib import Path

    result = []
    for value in paths or []:
        for item in (part.strip() for part in value.split(",")):
            if not item:
                continue
            path = Path(item).expanduser().resolve()
            if not path.exists():
                raise UserError(f"The extension {item} does not exist.",
                                "Give the path of an OpenVINO extension library (.so) built for this OpenVINO version.")
            if path.is_file():
                import openvino as ov

                try:
                    ov.Core().add_extension(str(path))
                except Exception as exc:
                    first = str(exc).strip().splitlines()
                    raise UserError(
                        f"{path.name} is not an OpenVINO extension library: {(first[-1] if first else type(exc).__name__)[:300]}",
                        "An extension exports create_extensions (OPENVINO_CREATE_EXTENSIONS) and is built against "
                        "this OpenVINO version's headers.",
                    ) from exc
            result.append(str(path))
    return result
