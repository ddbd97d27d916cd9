"""What the inspector panel shows for one node: Netron's node panel plus what OpenVINO did
with it (runtime kernels, precision, time)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from core.graph.model import Graph
from core.graph.views import View


def _weights_of(graph: Graph, group: dict[str, Any]) -> dict[str, Any]:
    constants = [graph.node(m) for m in group["members"] if graph.node(m).weights]
    return {
        "port": group["port"],
        "chain": " → ".join(graph.node(m).type for m in group["members"]),
        "shape": group["shape"],
        "element_type": group["element_type"],
        "constants": [{"name": c.name, **(c.weights or {})} for c in constants],
    }


def inspect_node(
    graph: Graph,
    view: View,
    view_id: str,
    attribution: dict[str, dict] | None = None,
    total_ms: float | None = None,
    runtime_by_ir: dict[str, dict] | None = None,
) -> dict[str, Any]:
    """Everything known about a view node, as plain data (the page renders, the CLI prints)."""
    vnode = next((n for n in view.nodes if n.id == view_id), None)
    if vnode is None:
        return {}
    if vnode.type == "Block":
        block = next(b for b in view.blocks if b.id == view_id)
        details: dict[str, Any] = {
            "kind": "block", "id": view_id, "label": vnode.label, "repeats": block.repeats,
            "nodes": len(block.members), "nodes_per_repeat": block.unit_size,
            "types": dict(Counter(graph.node(m).type for m in block.members).most_common()),
            "first": graph.node(block.members[0]).name, "last": graph.node(block.members[-1]).name,
        }
        if attribution is not None:
            times = [attribution.get(graph.node(m).name) for m in block.members]
            block_ms = sum(e["time_ms"] or 0.0 for e in times if e and e["role"] == "owner")
            details["time_ms"] = block_ms
            if total_ms:
                details["share"] = block_ms / total_ms
        return details
    node = graph.node(view_id)
    producers = {i["source"]: graph.node(i["source"]).name for i in node.inputs}
    details = {
        "kind": "node", "id": node.id, "name": node.name, "type": node.type, "opset": node.opset,
        "attributes": node.attributes,
        "inputs": [{"port": i["port"], "from": producers[i["source"]], "from_id": i["source"],
                    "shape": i["shape"], "element_type": i["element_type"]} for i in node.inputs],
        "outputs": node.outputs,
        "consumers": [graph.node(e.target).name for e in graph.edges if e.source == node.id][:50],
    }
    if node.weights:
        details["weights"] = [{"port": 0, "chain": node.type, "shape": node.output_shape,
                               "element_type": node.element_type, "constants": [{"name": node.name, **node.weights}]}]
    elif view_id in view.folded:
        # runtime Const layers carry no values: list only groups with real weight statistics
        details["weights"] = [w for w in (_weights_of(graph, group) for group in view.folded[view_id]) if w["constants"]]
    if runtime_by_ir and node.id in runtime_by_ir:
        details["runtime"] = runtime_by_ir[node.id]
    if attribution is not None:
        entry = attribution.get(node.name)
        profile = dict(entry) if entry else {"role": "absent"}
        if entry and entry["role"] == "owner" and total_ms:
            profile["share"] = (entry["time_ms"] or 0.0) / total_ms
        details["profile"] = profile
    return details
