"""What is drawn: the graph after folding constants and collapsing repeated blocks.

The view is a small, separate list of nodes and edges, so layout, drawing, search and colour
all work on the same thing the user sees, and each view node knows which graph nodes it
stands for (a block stands for hundreds).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.graph.blocks import Block, find_blocks
from core.graph.fold import constant_derived, folded_inputs
from core.graph.model import Graph


@dataclass
class ViewNode:
    id: str  # a graph node id ("op12") or a block id ("block_op12")
    label: str  # short text drawn on the node
    type: str  # op type, or "Block"
    members: list[str]  # graph node ids it stands for (itself for an op)
    shape: str = ""
    element_type: str = ""


@dataclass
class View:
    nodes: list[ViewNode]
    edges: list[tuple[str, str]]
    folded: dict[str, list[dict]] = field(default_factory=dict)  # view node -> folded constant inputs
    owner: dict[str, str] = field(default_factory=dict)  # graph node id -> view node id showing it
    blocks: list[Block] = field(default_factory=list)  # every collapsible block, expanded or not
    options: dict = field(default_factory=dict)

    def node(self, view_id: str) -> ViewNode:
        return next(n for n in self.nodes if n.id == view_id)


def _label(name: str, type_name: str) -> str:
    return type_name


def build_view(
    graph: Graph,
    fold: bool = True,
    collapse: bool = False,
    expanded: frozenset[str] | set[str] = frozenset(),
) -> View:
    """The drawable view of `graph`; `expanded` lists block ids the user opened."""
    derived = constant_derived(graph)
    hidden = derived if fold else set()
    skeleton = [n for n in graph.nodes if n.id not in derived]
    skeleton_ids = {n.id for n in skeleton}
    skeleton_edges = [(e.source, e.target) for e in graph.edges if e.source in skeleton_ids and e.target in skeleton_ids]
    types = {n.id: n.type for n in graph.nodes}
    # Blocks are found on the structure without constants, so the constants never break a
    # repeat; shown constants join the block of their consumer.
    blocks = find_blocks([n.id for n in skeleton], skeleton_edges, types) if collapse else []

    owner: dict[str, str] = {}
    block_of: dict[str, Block] = {}
    for block in blocks:
        if block.id in expanded:
            continue
        for member in block.members:
            owner[member] = block.id
            block_of[member] = block
    consumers: dict[str, list[str]] = {}
    for edge in graph.edges:
        consumers.setdefault(edge.source, []).append(edge.target)
    for node in reversed(graph.nodes):  # shown constants follow their consumers into blocks
        if node.id in derived and not fold:
            targets = {owner.get(c, c) for c in consumers.get(node.id, [])}
            if len(targets) == 1 and next(iter(targets)) in {b.id for b in blocks}:
                owner[node.id] = next(iter(targets))

    nodes: list[ViewNode] = []
    emitted: set[str] = set()
    for node in graph.nodes:
        if node.id in hidden:
            continue
        view_id = owner.setdefault(node.id, node.id)
        if view_id in emitted:
            continue
        emitted.add(view_id)
        if view_id != node.id:
            block = block_of.get(node.id) or next(b for b in blocks if b.id == view_id)
            nodes.append(ViewNode(view_id, block.label, "Block", block.members))
        else:
            nodes.append(ViewNode(node.id, _label(node.name, node.type), node.type, [node.id],
                                  node.output_shape, node.element_type))
    if fold:  # folded nodes are found through their consumer's view node
        for target, groups in folded_inputs(graph, hidden).items():
            for group in groups:
                for member in group["members"]:
                    owner.setdefault(member, owner.get(target, target))

    edges: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for edge in graph.edges:
        if edge.source in hidden or edge.target in hidden:
            continue
        pair = (owner[edge.source], owner[edge.target])
        if pair[0] != pair[1] and pair not in seen:
            seen.add(pair)
            edges.append(pair)
    folded = folded_inputs(graph, hidden) if fold else {}
    return View(nodes, edges, folded, owner, blocks,
                {"fold": fold, "collapse": collapse, "expanded": sorted(expanded)})
