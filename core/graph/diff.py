"""Diff two variants of a model (FP32 vs INT8, FP32 vs FP16, or two conversions).

Nodes are matched in two passes:
1. by friendly name and op type (NNCF and compress_to_fp16 keep the original names, so an
   INT8 IR's Convolutions find their FP32 counterparts this way);
2. by structure, for what is left (two conversions name fused nodes differently): walking
   B in topological order, an unmatched node is matched to an unmatched A node of the same
   type that consumes the counterparts of its inputs. Inserted nodes (FakeQuantize, Convert)
   are walked through, so the Convolution after a new FakeQuantize still finds its twin.

Constants and the ops that only transform them are compared as part of the node they feed
(its "weights chain", e.g. Constant → Convert → Multiply for compressed INT8 weights), the way
the drawing folds them. What is left unmatched in B was added, in A removed; matched nodes
whose type, attributes, output shapes/element types or weights chain differ are changed.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from core.graph.fold import constant_derived, folded_inputs
from core.graph.model import Graph, Node

ADDED, REMOVED, CHANGED, SAME = "added", "removed", "changed", "same"
WALK_DEPTH = 4  # how many inserted nodes the structural pass walks through


def _weights_chain(graph: Graph, folded: dict[str, list[dict]], node_id: str) -> list[str]:
    """Per folded input port: "port 1: Constant i8 → Convert → Multiply"."""
    chains = []
    for group in folded.get(node_id, []):
        members = [graph.node(m) for m in group["members"]]
        first = members[0]
        text = " → ".join([f"{first.type} {first.element_type}".strip(), *(m.type for m in members[1:])])
        chains.append(f"port {group['port']}: {text}")
    return chains


def _changes(a: Node, b: Node, chain_a: list[str], chain_b: list[str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if a.type != b.type:
        found.append({"what": "type", "a": a.type, "b": b.type})
    for key in sorted(set(a.attributes) | set(b.attributes)):
        if a.attributes.get(key) != b.attributes.get(key):
            found.append({"what": f"attribute {key}", "a": a.attributes.get(key), "b": b.attributes.get(key)})
    shapes_a = [o["shape"] for o in a.outputs]
    shapes_b = [o["shape"] for o in b.outputs]
    if shapes_a != shapes_b:
        found.append({"what": "output shape", "a": ", ".join(shapes_a), "b": ", ".join(shapes_b)})
    types_a = [o["element_type"] for o in a.outputs]
    types_b = [o["element_type"] for o in b.outputs]
    if types_a != types_b:
        found.append({"what": "precision", "a": ", ".join(types_a), "b": ", ".join(types_b)})
    if chain_a != chain_b:
        found.append({"what": "weights", "a": "; ".join(chain_a), "b": "; ".join(chain_b)})
    return found


def diff_graphs(a: Graph, b: Graph) -> dict[str, Any]:
    """What changed from `a` to `b`, keyed by B's node ids (B is the graph drawn)."""
    const_a, const_b = constant_derived(a), constant_derived(b)
    skel_a = [n for n in a.nodes if n.id not in const_a]
    skel_b = [n for n in b.nodes if n.id not in const_b]
    b_to_a: dict[str, str] = {}
    how: dict[str, str] = {}
    taken: set[str] = set()

    # 1. by name (and type): friendly names are not unique, so pair them in order
    by_name: dict[tuple[str, str], list[str]] = {}
    for node in skel_a:
        by_name.setdefault((node.name, node.type), []).append(node.id)
    for node in skel_b:
        pool = by_name.get((node.name, node.type))
        if pool:
            a_id = pool.pop(0)
            b_to_a[node.id] = a_id
            how[node.id] = "name"
            taken.add(a_id)

    # 2. by structure
    consumers_a: dict[str, list[str]] = {}
    for edge in a.edges:
        if edge.source not in const_a and edge.target not in const_a:
            consumers_a.setdefault(edge.source, []).append(edge.target)
    types_a = {n.id: n.type for n in skel_a}

    def anchors(node: Node, depth: int = 0) -> list[str]:
        found: list[str] = []
        for inp in node.inputs:
            source = inp["source"]
            if source in const_b:
                continue
            if source in b_to_a:
                found.append(b_to_a[source])
            elif depth < WALK_DEPTH:
                found.extend(anchors(b.node(source), depth + 1))
        return found

    parameters_a = [n.id for n in skel_a if n.type == "Parameter" and n.id not in taken]
    for node in skel_b:
        if node.id in b_to_a:
            continue
        if node.type == "Parameter" and parameters_a:
            a_id = parameters_a.pop(0)
        else:
            candidates: Counter[str] = Counter()
            for anchor in anchors(node):
                for consumer in consumers_a.get(anchor, []):
                    if consumer not in taken and types_a.get(consumer) == node.type:
                        candidates[consumer] += 1
            if not candidates:
                continue
            a_id = candidates.most_common(1)[0][0]
        b_to_a[node.id] = a_id
        how[node.id] = "structure"
        taken.add(a_id)

    folded_a, folded_b = folded_inputs(a, const_a), folded_inputs(b, const_b)
    status: dict[str, str] = {}
    added, changed = [], []
    for node in skel_b:
        a_id = b_to_a.get(node.id)
        if a_id is None:
            status[node.id] = ADDED
            added.append({"id": node.id, "name": node.name, "type": node.type})
            continue
        found = _changes(a.node(a_id), node, _weights_chain(a, folded_a, a_id), _weights_chain(b, folded_b, node.id))
        status[node.id] = CHANGED if found else SAME
        if found:
            changed.append({"id": node.id, "a_id": a_id, "name": node.name, "type": node.type,
                            "matched_by": how[node.id], "changes": found})
    removed = [{"id": n.id, "name": n.name, "type": n.type} for n in skel_a if n.id not in taken]
    summary = {
        "a_nodes": len(skel_a), "b_nodes": len(skel_b),
        "matched": len(b_to_a), "matched_by_name": sum(1 for v in how.values() if v == "name"),
        "matched_by_structure": sum(1 for v in how.values() if v == "structure"),
        "added": len(added), "removed": len(removed), "changed": len(changed),
        "added_types": dict(Counter(x["type"] for x in added).most_common()),
        "removed_types": dict(Counter(x["type"] for x in removed).most_common()),
        "changed_what": dict(Counter(c["what"].split(" ")[0] for x in changed for c in x["changes"]).most_common()),
    }
    return {"a": a.name, "b": b.name, "summary": summary, "added": added, "removed": removed,
            "changed": changed, "status": status, "matches": b_to_a}


def summary_rows(diff: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per kind of change and op type, for the page's summary table."""
    rows: list[dict[str, Any]] = []
    for label, kind in (("added", "added_types"), ("removed", "removed_types")):
        for op_type, count in diff["summary"][kind].items():
            rows.append({"change": label, "op type": op_type, "nodes": count, "example": ""})
    by_type: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for item in diff["changed"]:
        what = ", ".join(sorted({c["what"].split(" ")[0] for c in item["changes"]}))
        by_type.setdefault((item["type"], what), []).append(item)
    for (op_type, what), items in sorted(by_type.items(), key=lambda kv: -len(kv[1])):
        first = items[0]["changes"][0]
        rows.append({"change": f"changed ({what})", "op type": op_type, "nodes": len(items),
                     "example": f"{items[0]['name']}: {first['what']} {first['a']} → {first['b']}"})
    return rows
