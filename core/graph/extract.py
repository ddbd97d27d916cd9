"""Turn an ov.Model (IR or any format OpenVINO reads) into a `Graph` of plain records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from core.graph.model import Edge, Graph, Node
from core.graph.weights import constant_stats
from core.ov_core import read_model


def _plain(value: Any) -> Any:
    """Attributes come back as numpy arrays, ov types and enums; the inspector needs JSON."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, np.ndarray):
        return value.tolist() if value.size <= 64 else f"array{list(value.shape)}"
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value][:64]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _attributes(op: Any) -> dict[str, Any]:
    if op.get_type_name() == "Constant":  # its "value" attribute is the whole tensor
        return {}
    try:
        return {str(k): _plain(v) for k, v in op.get_attributes().items()}
    except Exception:  # a few custom/internal ops cannot list attributes; the rest is still useful
        return {}


def _port(output: Any) -> dict[str, Any]:
    return {
        "shape": str(output.get_partial_shape()),
        "element_type": output.get_element_type().get_type_name(),
    }


def extract_graph(model: Any, name: str | None = None, kind: str = "ir", weight_stats: bool = True) -> Graph:
    """Every op of `model` with attributes, port shapes/types and (for Constants) weight stats."""
    ops = model.get_ordered_ops()
    ids = {op.get_instance_id(): f"op{i}" for i, op in enumerate(ops)}
    nodes: list[Node] = []
    edges: list[Edge] = []
    for i, op in enumerate(ops):
        node_id = f"op{i}"
        type_name = op.get_type_name()
        inputs = []
        for port, inp in enumerate(op.inputs()):
            source = inp.get_source_output()
            source_id = ids[source.get_node().get_instance_id()]
            record = {"port": port, "source": source_id, "source_port": source.get_index(), **_port(source)}
            inputs.append(record)
            edges.append(Edge(source_id, node_id, source.get_index(), port, record["shape"], record["element_type"]))
        node = Node(
            id=node_id,
            name=op.get_friendly_name(),
            type=type_name,
            opset=op.get_type_info().version_id,
            attributes=_attributes(op),
            inputs=inputs,
            outputs=[{"port": p, **_port(out)} for p, out in enumerate(op.outputs())],
        )
        if type_name == "Constant" and weight_stats:
            node.weights = constant_stats(op)
        nodes.append(node)
    info = {
        "node_count": len(nodes),
        "op_count": sum(1 for n in nodes if n.type not in ("Constant", "Parameter", "Result")),
        "parameters": sum(int(np.prod(n.weights["shape"])) for n in nodes if n.weights and n.weights["shape"]),
    }
    return Graph(name=name or model.get_friendly_name(), kind=kind, nodes=nodes, edges=edges, info=info)


def graph_from_file(xml_path: Path | str, weight_stats: bool = True) -> Graph:
    path = Path(xml_path)
    graph = extract_graph(read_model(path), name=path.stem, weight_stats=weight_stats)
    graph.info["source"] = str(path)
    return graph
