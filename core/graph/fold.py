"""Folding: hide Constants and the ops that only transform constants (Convert, decompression
Multiply/Subtract, Reshape of weights ...) inside the op that consumes them.

A Convolution with its weights folded in reads like the network a user drew; with them shown,
a compressed INT8/FP16 IR has three to five extra nodes per layer and buries the structure.
"""

from __future__ import annotations

from core.graph.model import Graph

NEVER_FOLDED = {"Parameter", "Result", "Sink", "Assign", "ReadValue", "Input", "Output"}
CONSTANT_TYPES = {"Constant", "Const"}  # IR op / runtime (CPU plugin) layer type


def constant_derived(graph: Graph) -> set[str]:
    """Nodes whose value is fixed at load time: Constants and ops fed only by them."""
    derived: set[str] = set()
    for node in graph.nodes:  # topological order: producers come first
        if node.type in NEVER_FOLDED:
            continue
        if node.type in CONSTANT_TYPES or (node.inputs and all(i["source"] in derived for i in node.inputs)):
            derived.add(node.id)
    return derived


def folded_inputs(graph: Graph, folded: set[str]) -> dict[str, list[dict]]:
    """For each visible node, the constant sub-graphs folded into it, per input port.

    The inspector shows these as the node's weights (the Constant's statistics and the chain
    of ops, e.g. Constant → Convert → Multiply for a decompressed INT8 weight).
    """
    result: dict[str, list[dict]] = {}
    order = {n.id: i for i, n in enumerate(graph.nodes)}
    for node in graph.nodes:
        if node.id in folded:
            continue
        for inp in node.inputs:
            if inp["source"] not in folded:
                continue
            members: list[str] = []
            stack = [inp["source"]]
            while stack:
                current = stack.pop()
                if current in members:
                    continue
                members.append(current)
                stack.extend(i["source"] for i in graph.node(current).inputs if i["source"] in folded)
            members.sort(key=order.__getitem__)
            result.setdefault(node.id, []).append(
                {"port": inp["port"], "source": inp["source"], "members": members,
                 "shape": inp["shape"], "element_type": inp["element_type"]}
            )
    return result
