"""Find nodes by name, op type or shape — Netron's Ctrl+F, over folded and collapsed views too.

A query is matched case-insensitively against names, types and output shapes; prefixes
narrow it: `type:Conv`, `name:layer3`, `shape:1x64x56x56` (x, commas and brackets alike).
"""

from __future__ import annotations

import re

from core.graph.model import Graph
from core.graph.views import View

FIELDS = ("name", "type", "shape")


def _normal_shape(text: str) -> str:
    return re.sub(r"[\s\[\]()?]", "", text.lower()).replace("x", ",")


def parse_query(query: str) -> tuple[str | None, str]:
    query = query.strip()
    prefix, _, rest = query.partition(":")
    if rest and prefix.lower() in FIELDS:
        return prefix.lower(), rest.strip()
    return None, query


def find_nodes(graph: Graph, query: str, limit: int = 500) -> list[str]:
    """Graph node ids matching `query`, best first (exact name, name prefix, then others)."""
    field, text = parse_query(query)
    if not text:
        return []
    needle = text.lower()
    shape_needle = _normal_shape(text)
    scored: list[tuple[int, int, str]] = []
    for index, node in enumerate(graph.nodes):
        name = node.name.lower()
        score = None
        if field in (None, "name"):
            if name == needle:
                score = 0
            elif name.startswith(needle):
                score = 1
            elif needle in name:
                score = 3
        if score is None and field in (None, "type"):
            node_type = node.type.lower()
            if node_type == needle:
                score = 2
            elif needle in node_type:
                score = 4
        if score is None and field in (None, "shape") and shape_needle and any(c.isdigit() for c in shape_needle):
            if any(shape_needle in _normal_shape(out["shape"]) for out in node.outputs):
                score = 5
        if score is not None:
            scored.append((score, index, node.id))
    scored.sort()
    return [node_id for _, _, node_id in scored[:limit]]


def find_in_view(graph: Graph, view: View, query: str) -> list[str]:
    """View node ids showing the matches (a folded Constant is found through its consumer,
    a node inside a collapsed block through the block)."""
    seen: dict[str, None] = {}
    for node_id in find_nodes(graph, query):
        view_id = view.owner.get(node_id)
        if view_id is not None:
            seen.setdefault(view_id, None)
    return list(seen)
