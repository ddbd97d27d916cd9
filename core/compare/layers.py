"""Per-layer comparison of two profiles (A and B), e.g. an FP32 variant and its INT8 child.

Runtime layer names are not stable across variants: INT8 adds FakeQuantize nodes, the CPU
plugin fuses them into the convolutions and renames kernels (ReduceMean_12 becomes
ReduceMean_12_original). What *is* stable is the set of IR layers each runtime layer covers
(`original_layers`, from the runtime model's originalLayersNames). So runtime layers of both
sides are joined whenever they cover a common IR layer, transitively (union-find): each
connected group is one comparable unit with time A, time B, difference and ratio. A group
with layers on one side only is reported as such (an input quantizer on the INT8 side, a
Reorder the plugin inserted, a Relu the INT8 kernel absorbed), and the IR layers covered on
one side only are listed by name. Plugin-inserted kernels (Reorders) cover no IR layer; they
are matched by their own name, or by the kernel they feed when both sides have it.

Layers that were fused into another kernel (`fused_into`) carry no time and no originals of
their own; the kernel they were fused into covers them, so they are skipped here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from core.benchmark.profile_rows import EXECUTED, layer_originals, layer_status
from core.compare.ratios import ratio

SIDES = ("a", "b")


@dataclass
class LayerGroup:
    """Runtime layers of A and B that cover overlapping IR layers."""

    layers_a: list[str] = field(default_factory=list)
    layers_b: list[str] = field(default_factory=list)
    ir_layers: list[str] = field(default_factory=list)
    type: str = ""
    precision_a: str = ""
    precision_b: str = ""
    time_a_ms: float = 0.0
    time_b_ms: float = 0.0
    order: int = 0  # execution order of its first layer, for a stable table

    @property
    def side(self) -> str:
        """"both", "a" (only in A) or "b" (only in B)."""
        if self.layers_a and self.layers_b:
            return "both"
        return "a" if self.layers_a else "b"

    @property
    def diff_ms(self) -> float:
        return self.time_b_ms - self.time_a_ms

    @property
    def ratio(self) -> float | None:
        return ratio(self.time_b_ms, self.time_a_ms) if self.side == "both" else None

    @property
    def note(self) -> str:
        """Why a group has no counterpart, in words."""
        if self.side == "both":
            return ""
        if not self.ir_layers:
            return "inserted by the plugin (covers no IR layer), e.g. a layout or precision conversion"
        return "covers IR layers only this side has: " + ", ".join(self.ir_layers[:6]) + (
            f" (+{len(self.ir_layers) - 6} more)" if len(self.ir_layers) > 6 else "")

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "side": self.side, "diff_ms": self.diff_ms, "ratio": self.ratio, "note": self.note}




def _comparable(layers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Kernels with a time or an IR footprint; fused-away rows are represented by their kernel."""
    return [row for row in layers if not row.get("fused_into") and (layer_originals(row) or layer_status(row) == EXECUTED)]


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[Any, Any] = {}

    def find(self, item: Any) -> Any:
        self.parent.setdefault(item, item)
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: Any, b: Any) -> None:
        self.parent[self.find(a)] = self.find(b)


def _dominant(rows: list[dict[str, Any]], key: str) -> str:
    """The value of `key` of the slowest row (what the group mostly is), e.g. its op type."""
    if not rows:
        return ""
    return str(max(rows, key=lambda r: float(r.get("real_ms") or 0.0)).get(key) or "")


def _inserted_keys(row: dict[str, Any], shared_names: set[str]) -> list[Any]:
    """Link keys of a kernel the plugin inserted (no IR layer): its own name, and the kernel it
    feeds. The CPU plugin names a Reorder `<producer>_<layout>_<layout>_<consumer>`, so the FP32
    reorder `x_abcd_acdb_Conv_1` and the INT8 one `x/fq_output_0_abcd_acdb_Conv_1` both feed
    `Conv_1`: matching them by the consumer both sides share compares like with like."""
    name = str(row["name"])
    keys: list[Any] = [("kernel", name)]
    for index, char in enumerate(name):
        if char == "_" and name[index + 1:] in shared_names:
            keys.append(("feeds", row.get("type"), name[index + 1:]))
            break  # the first hit is the longest consumer name
    return keys


def match_layers(layers_a: list[dict[str, Any]], layers_b: list[dict[str, Any]]) -> list[LayerGroup]:
    rows = {"a": _comparable(layers_a), "b": _comparable(layers_b)}
    links = _UnionFind()
    owner_of_ir: dict[Any, tuple[str, int]] = {}
    shared_names = {row["name"] for row in rows["a"]} & {row["name"] for row in rows["b"]}
    for side in SIDES:
        for index, row in enumerate(rows[side]):
            node = (side, index)
            links.find(node)
            for link_key in layer_originals(row) or _inserted_keys(row, shared_names):
                if link_key in owner_of_ir:
                    links.union(node, owner_of_ir[link_key])
                else:
                    owner_of_ir[link_key] = node
    members: dict[Any, list[tuple[str, int]]] = defaultdict(list)
    for side in SIDES:
        for index in range(len(rows[side])):
            members[links.find((side, index))].append((side, index))

    groups = []
    for nodes in members.values():
        picked = {side: [rows[side][i] for s, i in nodes if s == side] for side in SIDES}
        ir_layers: list[str] = []
        for side in SIDES:
            for row in picked[side]:
                ir_layers.extend(name for name in layer_originals(row) if name not in ir_layers)
        orders = [row.get("exec_order") for side in SIDES for row in picked[side] if row.get("exec_order") is not None]
        executed = {side: [r for r in picked[side] if layer_status(r) == EXECUTED] for side in SIDES}
        groups.append(LayerGroup(
            layers_a=[r["name"] for r in picked["a"]],
            layers_b=[r["name"] for r in picked["b"]],
            ir_layers=ir_layers,
            type=_dominant(executed["a"] or picked["a"], "type") or _dominant(executed["b"] or picked["b"], "type"),
            precision_a=_dominant(executed["a"], "precision"),
            precision_b=_dominant(executed["b"], "precision"),
            time_a_ms=sum(float(r.get("real_ms") or 0.0) for r in executed["a"]),
            time_b_ms=sum(float(r.get("real_ms") or 0.0) for r in executed["b"]),
            order=min(orders) if orders else 10**9,
        ))
    groups.sort(key=lambda g: (g.order, g.side))
    return groups


def by_type(layers_a: list[dict[str, Any]], layers_b: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Executed time per runtime op type on each side, slowest (A or B) first."""
    sums: dict[str, dict[str, float]] = defaultdict(lambda: {"a": 0.0, "b": 0.0, "count_a": 0, "count_b": 0})
    for side, layers in (("a", layers_a), ("b", layers_b)):
        for row in layers:
            if layer_status(row) == EXECUTED:
                entry = sums[str(row.get("type") or "?")]
                entry[side] += float(row.get("real_ms") or 0.0)
                entry[f"count_{side}"] += 1
    table = [
        {"type": op_type, "time_a_ms": v["a"], "time_b_ms": v["b"], "diff_ms": v["b"] - v["a"],
         "ratio": ratio(v["b"], v["a"]), "count_a": int(v["count_a"]), "count_b": int(v["count_b"])}
        for op_type, v in sums.items()
    ]
    return sorted(table, key=lambda row: -max(row["time_a_ms"], row["time_b_ms"]))


def compare_profiles(layers_a: list[dict[str, Any]], layers_b: list[dict[str, Any]]) -> dict[str, Any]:
    """The whole per-layer comparison as JSON-able data (groups, per type, one-sided layers)."""
    groups = match_layers(layers_a, layers_b)
    covered = {side: {name for row in _comparable(layers) for name in layer_originals(row)}
               for side, layers in (("a", layers_a), ("b", layers_b))}
    total_a = sum(g.time_a_ms for g in groups)
    total_b = sum(g.time_b_ms for g in groups)
    matched = [g for g in groups if g.side == "both"]
    ir_ratio = {name: g.ratio for g in matched if g.ratio is not None for name in g.ir_layers}
    return {
        "groups": [g.to_dict() for g in groups],
        "by_type": by_type(layers_a, layers_b),
        "only_a_ir_layers": sorted(covered["a"] - covered["b"]),
        "only_b_ir_layers": sorted(covered["b"] - covered["a"]),
        "only_a_time_ms": sum(g.time_a_ms for g in groups if g.side == "a"),
        "only_b_time_ms": sum(g.time_b_ms for g in groups if g.side == "b"),
        "matched_groups": len(matched),
        "total_a_ms": total_a,
        "total_b_ms": total_b,
        "total_ratio": ratio(total_b, total_a),
        "ir_layer_ratio": ir_ratio,  # IR layer name -> time B / time A of its group (graph colouring)
    }
