"""One entry point for the page and the CLI: graph → view → layout → colours → figure/exports."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from core.errors import UserError
from core.graph.colour import Colouring, by_diff, by_precision, by_ratio, by_time, by_type
from core.graph.layout import Layout, layout_graph
from core.graph.model import Graph
from core.graph.profile import attribute_layers, attribute_runtime_layers, total_ms
from core.graph.views import View, build_view

COLOUR_MODES = {
    "type": "Op type",
    "precision": "Element type / precision",
    "time": "Time per layer (profile)",
    "ratio": "Time ratio vs another variant",
    "diff": "Changes vs another variant (diff)",
}


@dataclass
class Scene:
    """A laid-out view with timings, ready to colour and draw."""

    graph: Graph
    view: View
    layout: Layout
    timings: dict[str, float] = field(default_factory=dict)


def lay_out(
    graph: Graph,
    fold: bool = True,
    collapse: bool = False,
    expanded: frozenset[str] | set[str] = frozenset(),
    engine: str = "auto",
    use_cache: bool = True,
) -> Scene:
    started = time.perf_counter()
    view = build_view(graph, fold=fold, collapse=collapse, expanded=frozenset(expanded))
    built = time.perf_counter()
    layout = layout_graph([n.id for n in view.nodes], view.edges, engine=engine, use_cache=use_cache)
    return Scene(graph, view, layout, {"view_s": built - started, "layout_s": time.perf_counter() - built})


def colour_scene(
    scene: Scene,
    mode: str = "type",
    profile: list[dict[str, Any]] | None = None,
    baseline: list[dict[str, Any]] | None = None,
    baseline_label: str = "baseline",
    diff: dict[str, Any] | None = None,
) -> Colouring:
    """`profile` = layer rows of this variant; `baseline` = rows of the variant compared with."""
    runtime = scene.graph.kind == "runtime"
    attribute = attribute_runtime_layers if runtime else attribute_layers
    if mode == "type":
        return by_type(scene.view)
    if mode == "diff":
        if diff is None:
            raise UserError("The diff colouring needs a second variant to compare with.",
                            "Pick the variant to compare with (e.g. the FP32 parent of an INT8 variant).")
        return by_diff(scene.view, diff, baseline_label)
    if mode == "precision":
        return by_precision(scene.view, scene.graph, attribute(profile) if profile else None)
    if mode in ("time", "ratio") and not profile:
        raise UserError("Colouring by time needs a per-layer profile of this variant.",
                        "Profile it on the Benchmark page (or `python -m core profile MODEL.xml`), then pick the profile.")
    if mode == "time":
        return by_time(scene.view, scene.graph, attribute(profile), total_ms(profile))
    if mode == "ratio":
        if runtime:
            raise UserError("The time ratio is painted on the IR graph.",
                            "Runtime layers differ between variants (they fuse differently); switch to the IR view.")
        if not baseline:
            raise UserError("The time ratio needs a profile of the variant to compare with.",
                            "Pick a second variant that has a stored profile.")
        return by_ratio(scene.view, scene.graph, attribute_layers(profile), attribute_layers(baseline), baseline_label)
    raise UserError(f"Unknown colouring {mode!r}.", f"Use one of: {', '.join(COLOUR_MODES)}.")
