"""Find repeated sub-structures (ResNet bottlenecks, DenseNet layers, transformer blocks) so a
2,000-node graph can be shown as a few dozen blocks and expanded where the user looks.

Method, independent of layer names (which converters mangle):
1. In a topological order, a node that no edge jumps over is a *cut node*: every path from
   the inputs to the outputs passes through it. Cutting there splits the network into a
   chain of segments.
2. Each segment gets a structural signature (op types and internal wiring, not shapes).
3. Consecutive repeats of the same run of segments (tandem repeats) become one block:
   "6 × [Convolution ×3, Add, Relu ...]".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

MAX_UNIT_SEGMENTS = 8  # longest repeating unit looked for, in segments
MIN_UNIT_NODES = 3  # a repeated single Relu is not worth a block


@dataclass
class Block:
    id: str
    members: list[str]  # node ids, topological order
    repeats: int
    unit_size: int  # nodes in one repetition
    summary: str  # "Convolution ×3, Add, Relu"
    instances: list[list[str]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.repeats} × [{self.summary}]"


def cut_positions(order: list[str], edges: list[tuple[str, str]], virtual_ends: bool = True) -> list[int]:
    """Positions in `order` that no edge (and, with `virtual_ends`, no extra input/output) jumps over."""
    position = {node: i for i, node in enumerate(order)}
    size = len(order)
    cover = [0] * (size + 1)
    has_pred = [False] * size
    has_succ = [False] * size
    for source, target in edges:
        a, b = position[source], position[target]
        if a > b:
            a, b = b, a
        has_succ[a] = True
        has_pred[b] = True
        if b - a > 1:
            cover[a + 1] += 1
            cover[b] -= 1
    for i in range(size if virtual_ends else 0):
        if not has_pred[i] and i > 0:  # a second input: the virtual source edge jumps over 0..i-1
            cover[0] += 1
            cover[i] -= 1
        if not has_succ[i] and i < size - 1:  # an early output: virtual sink edge jumps i+1..end
            cover[i + 1] += 1
            cover[size] -= 1
    cuts, running = [], 0
    for i in range(size):
        running += cover[i]
        if running == 0:
            cuts.append(i)
    return cuts


def _signature(segment: list[str], preds: dict[str, list[str]], types: dict[str, str]) -> tuple:
    local = {node: i for i, node in enumerate(segment)}
    return tuple(
        (types[node], tuple(sorted(local.get(p, -1) for p in preds.get(node, []))))
        for node in segment
    )


def _summary(nodes: list[str], types: dict[str, str], limit: int = 4) -> str:
    counts = Counter(types[n] for n in nodes)
    parts = [f"{t} ×{c}" if c > 1 else t for t, c in counts.most_common(limit)]
    if len(counts) > limit:
        parts.append("…")
    return ", ".join(parts)


def find_blocks(order: list[str], edges: list[tuple[str, str]], types: dict[str, str]) -> list[Block]:
    """Runs of identical consecutive units, each returned as one collapsible block."""
    if len(order) < 2 * MIN_UNIT_NODES:
        return []
    cuts = cut_positions(order, edges)
    segments: list[list[str]] = []
    pending: list[str] = []  # consecutive one- or two-node pieces (a chain of cut nodes)

    def flush() -> None:
        # A short chain after a segment (the Relu after a residual Add) belongs to it; a long
        # chain (a transition layer: BN, Relu, Conv, Pool) is a segment of its own.
        if pending and segments and len(pending) < MIN_UNIT_NODES:
            segments[-1].extend(pending)
        elif pending:
            segments.append(list(pending))
        pending.clear()

    start = 0
    for cut in [*cuts, len(order) - 1]:
        if cut < start:
            continue
        piece = order[start : cut + 1]
        start = cut + 1
        if len(piece) < MIN_UNIT_NODES:
            pending.extend(piece)
        else:
            flush()
            segments.append(piece)
    flush()
    preds: dict[str, list[str]] = {}
    for source, target in edges:
        preds.setdefault(target, []).append(source)
    signatures = [_signature(seg, preds, types) for seg in segments]

    # Shortest units first, so ResNet shows "3 × bottleneck" per stage rather than one odd
    # unit of "downsample + 2 bottlenecks" repeated.
    taken = [False] * len(segments)
    runs: list[tuple[int, int, int]] = []  # (first segment, unit length, repeats)
    for length in range(1, MAX_UNIT_SEGMENTS + 1):
        i = 0
        while i + 2 * length <= len(segments):
            unit = signatures[i : i + length]
            if any(taken[i : i + length]) or sum(len(s) for s in segments[i : i + length]) < MIN_UNIT_NODES:
                i += 1
                continue
            repeats = 1
            while (
                signatures[i + repeats * length : i + (repeats + 1) * length] == unit
                and not any(taken[i + repeats * length : i + (repeats + 1) * length])
            ):
                repeats += 1
            if repeats < 2:
                i += 1
                continue
            runs.append((i, length, repeats))
            for k in range(i, i + length * repeats):
                taken[k] = True
            i += length * repeats

    blocks: list[Block] = []
    for first, length, repeats in sorted(runs):
        instances = [
            [n for seg in segments[first + r * length : first + (r + 1) * length] for n in seg]
            for r in range(repeats)
        ]
        members = [n for inst in instances for n in inst]
        blocks.append(
            Block(
                id=f"block_{members[0]}",
                members=members,
                repeats=repeats,
                unit_size=len(instances[0]),
                summary=_summary(instances[0], types),
                instances=instances,
            )
        )
    return blocks
