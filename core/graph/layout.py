"""Layered (top-to-bottom) layout of a view: Graphviz `dot` when installed, else pure Python.

`dot` does proper crossing reduction and routes edges as splines (~1 s for 2,000 nodes);
the fallback (longest-path layers + barycentre ordering) is rougher but needs nothing.
Layouts are cached on disk by the view's content, so reopening a graph costs nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from core.errors import UserError
from core.graph.blocks import cut_positions
from core.workspace import workspace_root

log = logging.getLogger(__name__)

NODE_WIDTH = 2.0  # inches, as Graphviz counts; the figure uses the same units
NODE_HEIGHT = 0.4
RANK_SEP = 0.45
NODE_SEP = 0.25
DOT_TIMEOUT_S = 120.0
CHUNK_NODES = 350  # dot's x-placement grows ~quadratically: lay out big graphs in chunks
LAYOUT_VERSION = 4  # bump when the output format or parameters change (invalidates the cache)


@dataclass
class Layout:
    positions: dict[str, tuple[float, float]]  # node centre, y grows downwards (data flows down)
    edge_paths: list[list[tuple[float, float]]]  # one polyline per view edge, in view edge order
    width: float
    height: float
    engine: str  # "dot" or "python"
    seconds: float
    cached: bool = False
    extra: dict = field(default_factory=dict)


def dot_binary() -> str | None:
    return shutil.which("dot")


def _key(node_ids: list[str], edges: list[tuple[str, str]], engine: str) -> str:
    digest = hashlib.sha256(f"{LAYOUT_VERSION}|{engine}|".encode())
    digest.update("\n".join(node_ids).encode())
    digest.update(b"|")
    digest.update("\n".join(f"{a}>{b}" for a, b in edges).encode())
    return digest.hexdigest()[:32]


def _cache_dir() -> Path:
    folder = workspace_root() / "cache" / "graph-layout"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def layout_graph(
    node_ids: list[str],
    edges: list[tuple[str, str]],
    engine: str = "auto",
    use_cache: bool = True,
) -> Layout:
    """Positions for `node_ids` (topological order) and a path for each edge."""
    if engine == "auto":
        engine = "dot" if dot_binary() else "python"
    if engine == "dot" and not dot_binary():
        raise UserError("Graphviz `dot` is not installed.", "Install it (`apt-get install graphviz`, `make setup`) or use the Python layout.")
    key = _key(node_ids, edges, engine)
    cache_file = _cache_dir() / f"{key}.json" if use_cache else None
    if cache_file and cache_file.is_file():
        try:
            data = json.loads(cache_file.read_text())
            data["positions"] = {k: tuple(v) for k, v in data["positions"].items()}
            data["edge_paths"] = [[tuple(p) for p in path] for path in data["edge_paths"]]
            return Layout(**{**data, "cached": True})
        except (ValueError, KeyError, TypeError):  # a torn write: recompute
            cache_file.unlink(missing_ok=True)
    started = time.perf_counter()
    if engine == "dot":
        try:
            positions, paths, width, height = _chunked_dot_layout(node_ids, edges)
        except (subprocess.TimeoutExpired, RuntimeError) as exc:
            log.warning("dot failed (%s); using the Python layout", exc)
            engine = "python"
    if engine == "python":
        positions, paths, width, height = _python_layout(node_ids, edges)
    layout = Layout(positions, paths, width, height, engine, time.perf_counter() - started)
    if cache_file:
        tmp = cache_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(layout)))
        tmp.replace(cache_file)
    return layout


def dot_quote(text: str) -> str:
    """A DOT double-quoted string: UTF-8 kept as is (json.dumps wrote `\\uXXXX`, which Graphviz shows
    literally), `\\` and `"` escaped, newlines as DOT's centred line break `\\n`."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{escaped}"'


def dot_source(
    node_ids: list[str],
    edges: list[tuple[str, str]],
    labels: dict[str, str] | None = None,
    fills: dict[str, str] | None = None,
) -> str:
    """DOT text; without labels the nodes are fixed-size boxes (fast layout), with them an export."""
    lines = [
        "digraph G {",
        f'graph [rankdir=TB, ranksep={RANK_SEP}, nodesep={NODE_SEP}, nslimit=2, mclimit=0.5, outputorder="edgesfirst"];',
        f'node [shape=box, style="rounded,filled", fixedsize=true, width={NODE_WIDTH}, height={NODE_HEIGHT}, '
        'fontname="Helvetica", fontsize=10, fillcolor="#e8eef7", color="#5b6b82", label=""];',
        'edge [color="#8a94a6", arrowsize=0.5];',
    ]
    for node_id in node_ids:
        attrs = []
        if labels and node_id in labels:
            attrs.append("label=" + dot_quote(labels[node_id]))
        if fills and node_id in fills:
            attrs.append("fillcolor=" + dot_quote(fills[node_id]))
        lines.append(dot_quote(node_id) + (f" [{', '.join(attrs)}]" if attrs else "") + ";")
    lines.extend(f"{dot_quote(a)} -> {dot_quote(b)};" for a, b in edges)
    lines.append("}")
    return "\n".join(lines)


def run_dot(source: str, fmt: str, timeout: float = DOT_TIMEOUT_S) -> bytes:
    binary = dot_binary()
    if not binary:
        raise UserError("Graphviz `dot` is not installed.", "Install it with `apt-get install graphviz` (or `make setup`).")
    done = subprocess.run([binary, f"-T{fmt}"], input=source.encode(), capture_output=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode(errors="replace")[:500])
    return done.stdout


def _dot_layout(node_ids, edges):  # type: ignore[no-untyped-def]
    text = run_dot(dot_source(node_ids, edges), "plain").decode()
    positions: dict[str, tuple[float, float]] = {}
    routed: dict[tuple[str, str], list[tuple[float, float]]] = {}
    height = width = 0.0
    for line in text.splitlines():
        parts = _split_plain(line)
        if not parts:
            continue
        if parts[0] == "graph":
            width, height = float(parts[2]), float(parts[3])
        elif parts[0] == "node":
            positions[parts[1]] = (float(parts[2]), height - float(parts[3]))
        elif parts[0] == "edge":
            count = int(parts[3])
            coords = [float(v) for v in parts[4 : 4 + 2 * count]]
            routed[(parts[1], parts[2])] = [(coords[i], height - coords[i + 1]) for i in range(0, len(coords), 2)]
    paths = [routed.get(edge) or [positions[edge[0]], positions[edge[1]]] for edge in edges]
    return positions, paths, width, height


def _chunks(node_ids: list[str], edges: list[tuple[str, str]]) -> list[list[str]]:
    """Split at cut nodes (every path passes through them) into pieces of ~CHUNK_NODES.

    Inputs and outputs (nodes without producers / consumers, e.g. shown Constants, Results)
    are left out of the cut search and join the chunk of their neighbour, else a Result at
    the end of the order would "jump over" everything. Piece k>0 starts with the cut node
    that ends piece k-1 (its anchor), so the two can be stitched at that node.
    """
    has_pred = {b for _, b in edges}
    has_succ = {a for a, _ in edges}
    core_order = [n for n in node_ids if n in has_pred and n in has_succ]
    if len(core_order) <= CHUNK_NODES:
        return [node_ids]
    core_set = set(core_order)
    core_edges = [(a, b) for a, b in edges if a in core_set and b in core_set]
    cuts = cut_positions(core_order, core_edges, virtual_ends=False)
    boundaries, last = [], 0
    for cut in cuts:
        if cut - last >= CHUNK_NODES and len(core_order) - cut > CHUNK_NODES // 3:
            boundaries.append(cut)
            last = cut
    if not boundaries:
        return [node_ids]
    chunk_of = {}
    start = 0
    for index, end in enumerate([*boundaries, len(core_order) - 1]):
        for node in core_order[start : end + 1]:
            chunk_of[node] = index
        start = end + 1
    consumers: dict[str, list[str]] = {}
    producers: dict[str, list[str]] = {}
    for a, b in edges:
        consumers.setdefault(a, []).append(b)
        producers.setdefault(b, []).append(a)
    pending = [n for n in node_ids if n not in chunk_of]
    for _ in range(3):  # a Constant feeding a Convert feeding the graph: settle in a few rounds
        for node in pending:
            if node in chunk_of:
                continue
            near = [chunk_of[m] for m in consumers.get(node, []) if m in chunk_of] or \
                   [chunk_of[m] for m in producers.get(node, []) if m in chunk_of]
            if near:
                chunk_of[node] = min(near) if node not in has_pred else max(near)
    pieces: list[list[str]] = [[] for _ in range(len(boundaries) + 1)]
    for node in node_ids:
        pieces[chunk_of.get(node, 0)].append(node)
    for index, boundary in enumerate(boundaries, start=1):
        pieces[index].insert(0, core_order[boundary])
    return pieces


def _chunked_dot_layout(node_ids, edges):  # type: ignore[no-untyped-def]
    """dot per chunk (two at a time: one per core), stacked top to bottom at the anchors."""
    from concurrent.futures import ThreadPoolExecutor

    pieces = _chunks(node_ids, edges)
    if len(pieces) == 1:
        return _dot_layout(node_ids, edges)
    members = [set(piece) for piece in pieces]
    piece_edges: list[list[tuple[str, str]]] = [[] for _ in pieces]
    stray: list[int] = []
    for index, (a, b) in enumerate(edges):
        home = next((k for k, m in enumerate(members) if a in m and b in m), None)
        if home is None:
            stray.append(index)
        else:
            piece_edges[home].append((a, b))
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_dot_layout, pieces, piece_edges))
    positions: dict[str, tuple[float, float]] = {}
    routed: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for index, (piece, (local, paths, _w, _h)) in enumerate(zip(pieces, results)):
        dx = dy = 0.0
        if index > 0:
            anchor = piece[0]
            dx = positions[anchor][0] - local[anchor][0]
            dy = positions[anchor][1] - local[anchor][1]
        for node, (x, y) in local.items():
            positions.setdefault(node, (x + dx, y + dy))
        for edge, path in zip(piece_edges[index], paths):
            routed[edge] = [(x + dx, y + dy) for x, y in path]
    min_x = min(x for x, _ in positions.values()) - NODE_WIDTH / 2
    min_y = min(y for _, y in positions.values()) - NODE_HEIGHT / 2
    positions = {n: (x - min_x, y - min_y) for n, (x, y) in positions.items()}
    paths = []
    for edge in edges:
        path = routed.get(edge) or []
        paths.append([(x - min_x, y - min_y) for x, y in path] if path else [positions[edge[0]], positions[edge[1]]])
    width = max(x for x, _ in positions.values()) + NODE_WIDTH / 2
    height = max(y for _, y in positions.values()) + NODE_HEIGHT / 2
    return positions, paths, width, height


def _split_plain(line: str) -> list[str]:
    """`dot -Tplain` quotes names only when needed; ours are simple ids, labels are empty."""
    return [p.strip('"') for p in line.split()]


def _python_layout(node_ids, edges):  # type: ignore[no-untyped-def]
    """Longest-path layering, dummy nodes on long edges, barycentre sweeps, centred rows."""
    preds: dict[str, list[str]] = {n: [] for n in node_ids}
    for a, b in edges:
        preds[b].append(a)
    rank: dict[str, int] = {}
    for node in node_ids:  # topological order
        rank[node] = max((rank[p] + 1 for p in preds[node] if p in rank), default=0)
    # Dummy nodes make long edges take part in ordering (fewer crossings, routable paths).
    layer_of: dict[str, int] = dict(rank)
    up: dict[str, list[str]] = {n: [] for n in node_ids}
    chains: list[list[str]] = []
    for index, (a, b) in enumerate(edges):
        chain = [a]
        for r in range(rank[a] + 1, rank[b]):
            dummy = f"\x00{index}:{r}"
            layer_of[dummy] = r
            up[dummy] = [chain[-1]]
            chain.append(dummy)
        up[b].append(chain[-1])
        chain.append(b)
        chains.append(chain)
    down: dict[str, list[str]] = {n: [] for n in layer_of}
    for node, sources in up.items():
        for s in sources:
            down[s].append(node)
    layers: list[list[str]] = [[] for _ in range(max(layer_of.values(), default=-1) + 1)]
    for node in [*node_ids, *(n for n in layer_of if n.startswith("\x00"))]:
        layers[layer_of[node]].append(node)
    order = {n: i for layer in layers for i, n in enumerate(layer)}
    for sweep in range(6):
        downward = sweep % 2 == 0
        sequence = layers[1:] if downward else layers[-2::-1]
        for layer in sequence:
            neighbours = up if downward else down

            def barycentre(n: str) -> float:
                adjacent = neighbours[n]
                return sum(order[m] for m in adjacent) / len(adjacent) if adjacent else order[n]

            layer.sort(key=barycentre)
            for i, n in enumerate(layer):
                order[n] = i
    step_x = NODE_WIDTH + NODE_SEP
    step_y = NODE_HEIGHT + RANK_SEP
    widest = max((len(layer) for layer in layers), default=1)
    positions_all: dict[str, tuple[float, float]] = {}
    for r, layer in enumerate(layers):
        offset = (widest - len(layer)) * step_x / 2
        for i, n in enumerate(layer):
            positions_all[n] = (offset + i * step_x + step_x / 2, r * step_y + step_y / 2)
    positions = {n: positions_all[n] for n in node_ids}
    paths = [[positions_all[n] for n in chain] for chain in chains]
    return positions, paths, widest * step_x, len(layers) * step_y
