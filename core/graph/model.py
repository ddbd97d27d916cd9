"""The graph as plain data: what the viewer, the CLI and the exports share.

An ov.Model cannot cross a process or a cache boundary, and the page must not re-read a
model on every click, so extraction turns it once into these small records (JSON-able).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Node:
    """One operation. `id` is stable for a given file: "op<index in topological order>"."""

    id: str
    name: str
    type: str
    opset: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    inputs: list[dict[str, Any]] = field(default_factory=list)  # port, source, source_port, shape, element_type
    outputs: list[dict[str, Any]] = field(default_factory=list)  # port, shape, element_type
    weights: dict[str, Any] | None = None  # statistics, for Constants only
    runtime: dict[str, Any] = field(default_factory=dict)  # runtime precision, kernel, time ... when known

    @property
    def output_shape(self) -> str:
        return self.outputs[0]["shape"] if self.outputs else ""

    @property
    def element_type(self) -> str:
        return self.outputs[0]["element_type"] if self.outputs else ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Edge:
    source: str
    target: str
    source_port: int = 0
    target_port: int = 0
    shape: str = ""
    element_type: str = ""


@dataclass
class Graph:
    """All nodes and edges of one model (IR or runtime), in topological order."""

    name: str
    kind: str  # "ir" or "runtime"
    nodes: list[Node]
    edges: list[Edge]
    info: dict[str, Any] = field(default_factory=dict)
    _by_id: dict[str, Node] = field(default_factory=dict, repr=False, compare=False)
    _by_name: dict[str, list[Node]] = field(default_factory=dict, repr=False, compare=False)

    def _ids(self) -> dict[str, Node]:
        if len(self._by_id) != len(self.nodes):
            self._by_id = {n.id: n for n in self.nodes}
        return self._by_id

    def node(self, node_id: str) -> Node:
        return self._ids()[node_id]

    def has(self, node_id: str) -> bool:
        return node_id in self._ids()

    def by_name(self, name: str) -> list[Node]:
        """Friendly names are not guaranteed unique in OpenVINO, hence a list."""
        if not self._by_name:
            for n in self.nodes:
                self._by_name.setdefault(n.name, []).append(n)
        return self._by_name.get(name, [])

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "info": self.info,
            "nodes": [n.to_dict() for n in self.nodes],
            "edges": [asdict(e) for e in self.edges],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Graph:
        return cls(
            name=data["name"],
            kind=data["kind"],
            info=data.get("info", {}),
            nodes=[Node(**n) for n in data["nodes"]],
            edges=[Edge(**e) for e in data["edges"]],
        )
