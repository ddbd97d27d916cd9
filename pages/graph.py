"""Graph: see the network, find a layer, see what it is and what it costs.

A thin view over `core.graph`: the figure is built in core; this page keeps the choices
(variant, view, colouring, selection) in session state and renders the inspector.
Everything heavy is cached: the extracted graph per file version, the layout per view
(on disk too), the runtime graph per file version. Other pages open it on a view with
`pages.ui.links.open_graph` (its link parameters), never by writing its widget keys.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from core.analysis.results import list_layer_error_results, load_layer_error_rows
from core.errors import UserError
from core.graph import COLOUR_MODES, colour_scene, graph_from_file, lay_out
from core.graph.diff import diff_graphs, summary_rows
from core.graph.export import export_png, graph_json
from core.graph.inspect import inspect_node
from core.graph.profile import attribute_layers, attribute_runtime_layers, list_profiles, load_profile_result, total_ms
from core.graph.runtime import link, runtime_graph, runtime_summary_for_ir
from core.graph.search import find_nodes
from core.graph.svg import SVG_VERSION, build_svg, fills as node_fills, legend as colour_legend, standalone_svg
from core.store import Variant
from core.variants import list_variants, variant_xml
from pages.ui import links
from pages.ui.frame import page_setup
from pages.ui.graph_view import clicked_node, graph_view
from pages.ui.jobs import show_error
from pages.ui.pickers import pick_variant, variant_label
from pages.ui.text import md_code, md_text

page_setup("Graph", "The IR or runtime graph of a variant: find a layer, inspect it, colour it by time or precision.")

STATE = "graph_state"  # per-session: selected node, expanded blocks, pending centre
VIEWS = {"ir": "IR graph", "runtime": "Runtime graph (CPU)"}
IR_ONLY_MODES = ("ratio", "diff", "error")  # matched against IR names: not offered on the runtime graph
RANKING = {  # colour mode -> (ranked column, title); other modes rank by time
    "ratio": ("× baseline time", "**Largest slow-downs and speed-ups**"),
    "error": ("relative error", "**Largest layer errors** (vs the reference; the error of a layer includes what its "
                                "inputs brought — the INT8 analysis page ranks the jumps)"),
}
RANKING_COLUMNS = {"node": None, "ms": st.column_config.NumberColumn(format="%.3f"),
                   "× baseline time": st.column_config.NumberColumn(format="%.2f×"),
                   "relative error": st.column_config.NumberColumn(format="%.3g")}
WEIGHT_COLUMNS = {"sparsity": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1),
                  "KB": st.column_config.NumberColumn(format="%.1f")}


@dataclass
class Colouring:
    """What the drawing is coloured by, and what that colouring needs (profiles, a diff, an analysis)."""

    mode: str
    profile_id: int | None = None  # time, ratio (this variant's side), precision
    profile_rows: list[dict[str, Any]] | None = None
    baseline_profile: int | None = None  # ratio: a profile of another variant of the model
    baseline_rows: list[dict[str, Any]] | None = None
    baseline_label: str = ""
    layer_error_id: int | None = None
    layer_error_rows: list[dict[str, Any]] | None = None
    diff: dict[str, Any] | None = None

    @property
    def complete(self) -> bool:
        """Everything the mode needs is there; if not, the drawing is coloured by op type."""
        missing = ((self.mode in ("time", "ratio") and self.profile_rows is None)
                   or (self.mode == "ratio" and self.baseline_rows is None)
                   or (self.mode == "diff" and self.diff is None)
                   or (self.mode == "error" and self.layer_error_rows is None))
        return not missing


@dataclass
class Shown:
    """One full run's view: what the drawing, the inspector and the exports show."""

    variant: Variant
    xml_path: Path
    version: int
    kind: str
    fold: bool
    collapse: bool
    scene: Any
    colours: Any  # core.graph's colouring of the scene
    colouring: Colouring
    matches: list[str]
    state: dict[str, Any]

    @property
    def graph(self) -> Any:
        return self.scene.graph

    @property
    def view(self) -> Any:
        return self.scene.view


# ---------------------------------------------------------------- session state and caches
def _state() -> dict[str, Any]:
    return st.session_state.setdefault(STATE, {"selected": None, "expanded": set(), "centre": None, "key": None})


def _jump(node_id: str | None, **more: Any) -> None:
    """Select `node_id` and ask the drawing to centre on it (once: the token changes)."""
    state = _state()
    state.update(selected=node_id, centre=node_id, centre_token=state.get("centre_token", 0) + 1, **more)


def _on_click() -> None:
    """Runs before the script: the inspector of the clicked node is drawn in this very run."""
    node_id = clicked_node("graph_view")
    if node_id:
        _state()["selected"] = node_id


def _version(path: Path) -> int:
    return path.stat().st_mtime_ns


@st.cache_resource(max_entries=6, show_spinner="Reading the graph")
def _ir_graph(xml: str, _version_ns: int):  # type: ignore[no-untyped-def]
    return graph_from_file(xml)


@st.cache_resource(max_entries=6, show_spinner="Compiling on CPU for the runtime graph")
def _runtime_graph(xml: str, _version_ns: int):  # type: ignore[no-untyped-def]
    return runtime_graph(xml, "CPU")


@st.cache_resource(max_entries=16, show_spinner="Laying out the graph")
def _scene(xml: str, version_ns: int, kind: str, fold: bool, collapse: bool, expanded: tuple[str, ...]):  # type: ignore[no-untyped-def]
    graph = _runtime_graph(xml, version_ns) if kind == "runtime" else _ir_graph(xml, version_ns)
    return lay_out(graph, fold=fold, collapse=collapse, expanded=frozenset(expanded))


@st.cache_resource(max_entries=16, show_spinner=False)
def _drawing(xml: str, version_ns: int, kind: str, fold: bool, collapse: bool, expanded: tuple[str, ...]):  # type: ignore[no-untyped-def]
    scene = _scene(xml, version_ns, kind, fold, collapse, expanded)
    return build_svg(scene.graph, scene.view, scene.layout)


@st.cache_resource(max_entries=6, show_spinner="Comparing the two graphs")
def _diff(xml_a: str, version_a: int, xml_b: str, version_b: int) -> dict[str, Any]:
    return diff_graphs(_ir_graph(xml_a, version_a), _ir_graph(xml_b, version_b))


@st.cache_data(max_entries=32, show_spinner=False)
def _profile(result_id: int) -> list[dict[str, Any]]:
    return load_profile_result(result_id)[0]


@st.cache_resource(max_entries=6, show_spinner=False)
def _links(xml: str, version_ns: int):  # type: ignore[no-untyped-def]
    ir, rt = _ir_graph(xml, version_ns), _runtime_graph(xml, version_ns)
    return link(ir, rt), runtime_summary_for_ir(ir, rt)


# ---------------------------------------------------------------- link and choices
def _ratio_baselines(variant: Variant) -> list[Variant]:
    """The other variants of this model that have a profile: what a ratio colouring can compare with."""
    return [v for v in list_variants() if v.id != variant.id and v.model_id == variant.model_id and list_profiles(v.id)]


def _apply_link(opened: dict[str, str]) -> list[str]:
    """?variant=&view=&colour=: preset the pickers before they exist; a sentence for what does not fit."""
    problems = links.apply_variant(opened, "graph_variant")
    if opened.get("view"):
        if opened["view"] in VIEWS:
            st.session_state["graph_kind"] = opened["view"]
        else:
            problems.append(f"“{opened['view'][:40]}” is not a view (ir or runtime).")
    if opened.get("colour"):
        if opened["colour"] in COLOUR_MODES:
            st.session_state["graph_colour"] = opened["colour"]
        else:
            problems.append(f"“{opened['colour'][:40]}” is not a colouring ({', '.join(COLOUR_MODES)}).")
    return problems


def _apply_variant_link(opened: dict[str, str], variant: Variant) -> list[str]:
    """?profile=&baseline=&layer_error=: checked against what is stored for the variant on screen."""
    profile, problem = links.parse_id(opened.get("profile"), "profile")
    baseline, baseline_problem = links.parse_id(opened.get("baseline"), "profile")
    analysis, analysis_problem = links.parse_id(opened.get("layer_error"), "layer-error analysis")
    problems = [problem or "", baseline_problem or "", analysis_problem or ""]
    if profile is not None:
        if profile in {p["id"] for p in list_profiles(variant.id)}:
            st.session_state["graph_profile"] = profile
        else:
            problems.append(f"Variant #{variant.id} has no profile #{profile}.")
    if baseline is not None:
        owner = next((p["variant_id"] for p in list_profiles() if p["id"] == baseline), None)
        if owner in {v.id for v in _ratio_baselines(variant)}:
            st.session_state["graph_baseline"] = owner
            st.session_state["graph_baseline_profile"] = baseline
        else:
            problems.append(f"Profile #{baseline} is not a profile of another variant of this model.")
    if analysis is not None:
        if analysis in {a["id"] for a in list_layer_error_results(variant.id)}:
            st.session_state["graph_layer_error"] = analysis
        else:
            problems.append(f"Variant #{variant.id} has no layer-error analysis #{analysis}.")
    return problems


def _pick_kind(column: Any, state: dict[str, Any]) -> str:
    if state.get("switch_kind"):  # a "Show in ..." button asked for the other view (before the radio exists)
        st.session_state["graph_kind"] = state.pop("switch_kind")
        st.session_state["graph_find"] = ""  # a search in the old view would take the selection away
    return column.radio("View", list(VIEWS), horizontal=True, key="graph_kind", format_func=VIEWS.get,
                        help="The runtime graph is what the CPU plugin executes after fusing layers; "
                             "each runtime node links to the IR nodes it was made from.")


def _profile_label(p: dict[str, Any]) -> str:
    total = f" · {p['total_ms']:.2f} ms" if p.get("total_ms") else ""
    return f"profile #{p['id']} · {p['device']} · {(p['created_at'] or '')[:16].replace('T', ' ')}{total}"


def _pick_profile(variant_id: int, key: str) -> int | None:
    profiles = list_profiles(variant_id)
    if not profiles:
        st.warning("This variant has no stored per-layer profile yet. Profile it on **Benchmark & profile**, "
                   "then come back: the graph will show where the time goes.")
        return None
    by_id = {p["id"]: p for p in profiles}
    return st.selectbox("Profile", list(by_id), format_func=lambda i: _profile_label(by_id[i]), key=key)


def _pick_ratio_baseline(variant: Variant, colouring: Colouring, cols: list[Any]) -> None:
    others = _ratio_baselines(variant)
    if not others:
        cols[2].info("No other variant of this model has a profile. Make an FP16/INT8 variant on **Optimize** and "
                     "profile both to see the speed-up painted on the graph.")
        return
    by_id = {v.id: v for v in others}
    other_id = cols[2].selectbox("Compare with (baseline)", list(by_id),
                                 format_func=lambda i: variant_label(by_id[i]), key="graph_baseline")
    with cols[3]:
        colouring.baseline_profile = _pick_profile(other_id, "graph_baseline_profile")
    colouring.baseline_rows = _profile(colouring.baseline_profile) if colouring.baseline_profile else None
    colouring.baseline_label = by_id[other_id].name


def _pick_layer_error(variant: Variant, colouring: Colouring, column: Any) -> None:
    analyses = list_layer_error_results(variant.id)
    if not analyses:
        column.info("No layer-error analysis of this variant yet: run one on **INT8 analysis** to see where "
                    "its outputs drift from the parent's, layer by layer.")
        return
    by_result = {a["id"]: a for a in analyses}
    colouring.layer_error_id = column.selectbox("Layer-error analysis", list(by_result),
                                                format_func=lambda i: by_result[i]["label"], key="graph_layer_error")
    colouring.layer_error_rows = load_layer_error_rows(colouring.layer_error_id)


def _pick_diff(variant: Variant, xml_path: Path, version: int, colouring: Colouring, column: Any) -> None:
    others = [v for v in list_variants() if v.id != variant.id]
    if not others:
        column.info("There is no other variant to compare with. Make an INT8 or FP16 variant on **Optimize**.")
        return
    by_id = {v.id: v for v in others}
    ids_in_order = sorted(by_id, key=lambda i: (i != variant.parent_id, by_id[i].model_id != variant.model_id, i))
    other_id = column.selectbox("Compare with (A; this variant is B)", ids_in_order,
                                format_func=lambda i: variant_label(by_id[i]), key="graph_diff_other")
    other_xml = variant_xml(by_id[other_id])
    if other_xml.is_file():
        colouring.diff = _diff(str(other_xml), _version(other_xml), str(xml_path), version)
        colouring.baseline_label = by_id[other_id].name
    else:
        column.error(f"The IR file of that variant is missing: {md_text(other_xml)}")


def _pick_colouring(variant: Variant, kind: str, xml_path: Path, version: int) -> Colouring:
    """The "Colour by" row: the mode and what it needs (profiles, a baseline, an analysis, a diff)."""
    cols = st.columns([1.2, 1.6, 1.6, 1.6])
    modes = [m for m in COLOUR_MODES if not (kind == "runtime" and m in IR_ONLY_MODES)]
    colouring = Colouring(cols[0].selectbox("Colour by", modes, format_func=COLOUR_MODES.get, key="graph_colour"))
    mode = colouring.mode
    if mode in ("time", "ratio") or (mode == "precision" and list_profiles(variant.id)):
        with cols[1]:
            colouring.profile_id = _pick_profile(variant.id, "graph_profile")
        colouring.profile_rows = _profile(colouring.profile_id) if colouring.profile_id else None
    if mode == "ratio":
        _pick_ratio_baseline(variant, colouring, cols)
    elif mode == "error":
        _pick_layer_error(variant, colouring, cols[1])
    elif mode == "diff":
        _pick_diff(variant, xml_path, version, colouring, cols[1])
    return colouring


def _colour(scene: Any, colouring: Colouring) -> Any:
    if not colouring.complete:
        return colour_scene(scene, "type")
    return colour_scene(scene, colouring.mode, colouring.profile_rows, colouring.baseline_rows,
                        colouring.baseline_label or "baseline", diff=colouring.diff,
                        layer_error=colouring.layer_error_rows)


def _select_linked_node(node: str, view: Any) -> str:
    """?node=: select it (or the node it is folded into); a problem sentence when it is not drawn."""
    if node in view.owner.values():
        _jump(node)
    elif node in view.owner:  # an op folded into or hidden in another node: select that one
        _jump(view.owner[node])
    else:
        return f"There is no node “{node[:60]}” in this view."
    return ""


def _find_row(graph: Any, view: Any, kind: str, state: dict[str, Any]) -> list[str]:
    """Find, its matches and the two drawing toggles; returns the drawn nodes that match."""
    cols = st.columns([1.6, 1.6, 0.8, 0.8, 0.6])
    query = cols[0].text_input("Find", key="graph_find", placeholder="name, type or shape: conv, type:MatMul, 1x64x56x56")
    matches: list[str] = []
    if query:
        found = find_nodes(graph, query)
        if not found:
            cols[1].warning(f"Nothing matches “{query}”.")
        else:
            names = {nid: graph.node(nid).name for nid in found}
            chosen = cols[1].selectbox(f"{len(found)} match{'es' if len(found) != 1 else ''}",
                                       found, format_func=lambda i: f"{graph.node(i).type} · {names[i]}",
                                       key=f"graph_match_{kind}_{query}")
            owner = view.owner.get(chosen)
            if owner and owner.startswith("block_") and owner not in state["expanded"]:
                state["expanded"].add(owner)  # the match is inside a collapsed block: open it
                st.rerun()
            if owner and state.get("found") != (query, chosen):
                _jump(owner, found=(query, chosen))
            matches = list(dict.fromkeys(view.owner[i] for i in found if i in view.owner))
    with cols[2]:
        st.toggle("Fold constants", value=True, key="graph_fold",
                  help="Show weights, Converts and other constant-only ops inside the node that uses them.")
    with cols[3]:
        st.toggle("Collapse repeats", value=False, key="graph_collapse",
                  help="Repeated blocks (ResNet bottlenecks, DenseNet layers ...) become one node each; "
                       "select a block to expand it.")
    return matches


# ---------------------------------------------------------------- tables beside the drawing
def _ranking_table(shown: Shown) -> None:
    """Where the time goes (or what changed most): select a row to jump to that node."""
    colours, mode, graph, view = shown.colours, shown.colouring.mode, shown.graph, shown.view
    ranked = sorted(colours.raw, key=colours.raw.get, reverse=True)
    chosen = (ranked[:8] + ranked[-8:]) if mode == "ratio" and len(ranked) > 16 else ranked[:15]
    column, title = RANKING.get(mode, ("ms", "**Slowest layers**"))
    rows = [{"node": v, "type": view.node(v).type,
             "name": graph.node(v).name if graph.has(v) else view.node(v).label,
             column: colours.raw[v]} for v in chosen]
    st.markdown(title)
    picked = st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="graph_ranking",
                          on_select="rerun", selection_mode="single-row", column_config=RANKING_COLUMNS)
    selected_rows = picked.selection.rows if picked and picked.selection else []
    if selected_rows:
        target = rows[selected_rows[0]]["node"]
        if shown.state.get("ranked") != target:
            _jump(target, ranked=target)
            st.rerun()


def _diff_table(diff: dict[str, Any]) -> None:
    """What B added, removed and changed vs A, grouped by op type; a row selects an example."""
    summary = diff["summary"]
    st.markdown(f"**Diff**: {summary['added']} added, {summary['removed']} removed, {summary['changed']} changed "
                f"({summary['matched_by_name']} matched by name, {summary['matched_by_structure']} by structure)")
    rows = summary_rows(diff)
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="graph_diff_table")
    if diff["removed"]:
        st.text("Removed (only in A): " + ", ".join(f"{r['type']} {r['name']}" for r in diff["removed"][:15]))


# ---------------------------------------------------------------- inspector
def _stats_frame(constants: list[dict[str, Any]]) -> pd.DataFrame:
    rows = []
    for c in constants:
        rows.append({"constant": c["name"], "shape": "×".join(map(str, c.get("shape", []))) or "scalar",
                     "dtype": c.get("dtype"), "min": c.get("min"), "max": c.get("max"), "mean": c.get("mean"),
                     "std": c.get("std"), "sparsity": c.get("sparsity"), "KB": c.get("size_bytes", 0) / 1024})
    return pd.DataFrame(rows)


def _show_in(kind_to: str, graph_id: str) -> None:
    """Switch view and select the linked node there (runtime ↔ IR)."""
    _jump(graph_id, switch_kind=kind_to)


def _render_block(details: dict[str, Any], shown: Shown, selected: str) -> None:
    st.subheader(f"Block: {md_text(details['label'])}")
    st.write(f"{details['nodes']} nodes ({details['nodes_per_repeat']} per repeat), "
             f"from {md_code(details['first'])} to {md_code(details['last'])}.")
    if "time_ms" in details:
        st.metric("Time", f"{details['time_ms']:.3f} ms", f"{details.get('share', 0):.1%} of the model", delta_color="off")
    st.dataframe(pd.DataFrame({"op type": list(details["types"]), "count": list(details["types"].values())}),
                 hide_index=True, width="stretch")
    if st.button("Expand this block", key="graph_expand", type="primary"):
        shown.state["expanded"].add(selected)
        block = next(b for b in shown.view.blocks if b.id == selected)
        _jump(block.members[0])  # members are never constants: the new drawing opens on the block
        st.rerun()


def _render_profile(profile: dict[str, Any]) -> None:
    if profile.get("role") == "owner":
        share = f"{profile['share']:.1%} of the model" if profile.get("share") is not None else None
        st.metric("Time", f"{profile['time_ms']:.3f} ms", share, delta_color="off")
        st.caption(f"kernel {md_code(profile.get('exec_type') or '?')} · runtime precision {md_text(profile.get('precision') or '?')}"
                   f" · runtime layer {md_code(profile['runtime_layer'])}")
    elif profile.get("role") == "fused":
        st.info(f"Fused into runtime layer {md_code(profile['runtime_layer'])} (its time, {profile['group_ms']:.3f} ms, "
                f"is shown on {md_code(profile.get('fused_into'))}).")
    elif profile.get("role") == "not_executed":
        st.info(f"Not executed ({md_text(profile.get('status', 'not run'))}): the plugin computed it ahead of time or removed it.")
    else:
        st.caption("No runtime layer of this profile mentions this node.")


def _render_runtime_link(details: dict[str, Any], shown: Shown, selected: str) -> None:
    """Runtime node -> the IR nodes it fused; IR node -> its runtime layers (buttons switch view)."""
    if shown.graph.kind == "runtime":
        originals = shown.graph.node(selected).runtime.get("original_layers", [])
        st.write(f"**Fused IR nodes** ({len(originals)}): " + (", ".join(md_code(o) for o in originals[:20]) or "none (inserted by the plugin, e.g. a Reorder)"))
        if originals:
            ir = _ir_graph(str(shown.xml_path), shown.version)
            targets = [n for o in originals for n in ir.by_name(o)]
            if targets and st.button("Show in the IR graph", key="graph_to_ir"):
                _show_in("ir", targets[0].id)
                st.rerun()
    elif "runtime" in details:
        rt = details["runtime"]
        st.write(f"**Runtime**: {', '.join(md_code(n) for n in rt['runtime_layers'][:6])} · precision {md_text(rt['runtime_precision'] or '?')}"
                 f" · {md_text(', '.join(rt['kernels']))}")
        if st.button("Show in the runtime graph", key="graph_to_rt"):
            _show_in("runtime", rt["runtime_ids"][0])
            st.rerun()


def _render_inspector(shown: Shown, selected: str) -> None:
    graph, profile_rows, diff = shown.graph, shown.colouring.profile_rows, shown.colouring.diff
    attribution = None
    if profile_rows:
        attribution = (attribute_runtime_layers if graph.kind == "runtime" else attribute_layers)(profile_rows)
    runtime_by_ir = None
    if graph.kind == "ir" and st.session_state.get("graph_runtime_info"):
        runtime_by_ir = _links(str(shown.xml_path), shown.version)[1]
    details = inspect_node(graph, shown.view, selected, attribution, total_ms(profile_rows) if profile_rows else None,
                           runtime_by_ir)
    if not details:
        st.caption("The selected node is not in this view.")
        return
    if details["kind"] == "block":
        _render_block(details, shown, selected)
        return
    st.subheader(md_text(details["type"]))
    st.text(details["name"])  # st.code would load the syntax highlighter: ~1.5 s on the first click
    st.caption(f"{details['opset']} · id {details['id']}" if details.get("opset") else f"id {details['id']}")
    if details.get("profile"):
        _render_profile(details["profile"])
    _render_runtime_link(details, shown, selected)
    if diff is not None and shown.colouring.mode == "diff":
        status = diff["status"].get(selected)
        changes = next((c["changes"] for c in diff["changed"] if c["id"] == selected), [])
        st.markdown(f"**Diff**: {status or 'constant'}" + (" (not in A)" if status == "added" else ""))
        if changes:
            st.dataframe(pd.DataFrame([{"what": c["what"], "A": str(c["a"]), "B": str(c["b"])} for c in changes]),
                         hide_index=True, width="stretch")
    st.markdown("**Inputs**")
    st.dataframe(pd.DataFrame(details["inputs"], columns=["port", "from", "shape", "element_type"]), hide_index=True, width="stretch")
    st.markdown("**Outputs**")
    st.dataframe(pd.DataFrame(details["outputs"], columns=["port", "shape", "element_type"]), hide_index=True, width="stretch")
    for group in details.get("weights", []):
        st.markdown(f"**Weights** (port {group['port']}: {md_text(group['chain'])})")
        st.dataframe(_stats_frame(group["constants"]), hide_index=True, width="stretch", column_config=WEIGHT_COLUMNS)
    if details["attributes"]:
        st.markdown("**Attributes**")
        st.dataframe(pd.DataFrame([{"attribute": k, "value": json.dumps(v)} for k, v in details["attributes"].items()]),
                     hide_index=True, width="stretch")


# ---------------------------------------------------------------- figure, inspector, exports
@st.fragment
def _graph_and_inspector(shown: Shown) -> None:
    """The drawing and the inspector rerun alone on a click (a fragment): the pickers, database
    queries and colouring above are not redone, so the inspector shows sooner."""
    state, colours, graph, view, scene = shown.state, shown.colours, shown.graph, shown.view, shown.scene
    mode = shown.colouring.mode
    graph_col, inspector_col = st.columns([4, 1.2])  # the drawing gets the width; the inspector a narrow column
    with graph_col:
        expanded_key = tuple(sorted(state["expanded"]))
        drawing_key = (f"{SVG_VERSION}|{shown.xml_path}|{shown.version}|{shown.kind}|{shown.fold}|{shown.collapse}"
                       f"|{','.join(expanded_key)}")
        colour_key = f"{mode}|{colours.title}|{len(colours.values)}|{len(colours.categories)}|{sum(colours.raw.values()):.6g}"
        graph_view(
            key="graph_view", drawing_key=drawing_key,
            drawing=lambda: _drawing(str(shown.xml_path), shown.version, shown.kind, shown.fold, shown.collapse,
                                     expanded_key),
            fills=node_fills(view, colours), fills_key=f"{drawing_key}|{colour_key}",
            legend=colour_legend(colours, view), legend_key=f"{drawing_key}|{colour_key}",
            selected=state["selected"], highlight=shown.matches[:500],
            centre={"id": state["centre"], "token": state.get("centre_token", 0)} if state["centre"] else None,
            on_click=_on_click,
        )
        engine_note = f"{scene.layout.engine}{' (cached)' if scene.layout.cached else f' {scene.layout.seconds:.2f} s'}"
        st.caption(f"{graph.kind.upper()} · {len(graph.nodes):,} nodes, {len(view.nodes):,} shown, "
                   f"{len(view.edges):,} edges · layout: {engine_note}. Drag to pan, scroll to zoom, "
                   "Fit shows the whole graph; click a node to inspect it.")
        if colours.summary:
            st.caption(" · ".join(f"{k.replace('_', ' ')}: {v:.2f}" if isinstance(v, float) else f"{k.replace('_', ' ')}: {v}"
                                  for k, v in colours.summary.items()))
        if colours.raw:
            _ranking_table(shown)
        if shown.colouring.diff is not None and mode == "diff":
            _diff_table(shown.colouring.diff)
    with inspector_col:
        if shown.kind == "ir":
            st.toggle("Runtime info in the inspector", key="graph_runtime_info",
                      help="Compiles the model on CPU once (cached) to show each node's kernel and runtime precision.")
        if state["selected"] and (state["selected"] in view.owner.values()):
            try:
                _render_inspector(shown, state["selected"])
            except UserError as exc:
                show_error(exc)
        else:
            st.info("Click a node to see its type, attributes, shapes, weights and cost. Use **Find** to jump to a layer.")
        if state["expanded"] and st.button("Collapse all blocks again", key="graph_collapse_all"):
            state["expanded"] = set()
            st.rerun()
    # In the fragment: a click on a node reruns only this part, and the address bar follows it.
    links.publish("graph", variant=shown.variant.id, view=shown.kind, colour=mode, profile=shown.colouring.profile_id,
                  baseline=shown.colouring.baseline_profile if mode == "ratio" else None,
                  layer_error=shown.colouring.layer_error_id if mode == "error" else None, node=state["selected"])


def _exports(shown: Shown) -> None:
    graph, view, layout, colours = shown.graph, shown.view, shown.scene.layout, shown.colours
    profile_rows = shown.colouring.profile_rows
    cols = st.columns(4)
    stem = f"{shown.xml_path.stem}-{shown.kind}"
    cols[0].download_button("SVG", data=lambda: standalone_svg(graph, view, layout, colours),
                            file_name=f"{stem}.svg", mime="image/svg+xml", key="graph_svg")
    cols[1].download_button("PNG (whole graph)", data=lambda: export_png(view, layout, colours, graph),
                            file_name=f"{stem}.png", mime="image/png", key="graph_png")
    cols[2].download_button(
        "JSON (graph + metrics)",
        data=lambda: json.dumps(graph_json(graph, view, layout, colours,
                                           attribute_layers(profile_rows) if profile_rows and graph.kind == "ir" else None),
                                default=str).encode(),
        file_name=f"{stem}.json", mime="application/json", key="graph_json")
    cols[3].caption("SVG: the drawing as shown (every node, with colours); PNG: rendered by Graphviz.")


# ---------------------------------------------------------------- the page
opened = links.incoming("graph")  # ?variant=3&view=ir&colour=time&profile=9&node=op12, once per new link
link_problems = _apply_link(opened)
top = st.columns([3, 1.4])
with top[0]:
    variant = pick_variant(key="graph_variant")
if variant is None:
    st.stop()
xml_path = variant_xml(variant)
if not xml_path.is_file():
    st.error(f"The IR file of this variant is missing: {md_text(xml_path)}")
    st.stop()
version = _version(xml_path)
state = _state()
if state["key"] != (variant.id, version):  # another variant: forget its selection and blocks
    state.update(selected=None, expanded=set(), centre=None, key=(variant.id, version))
link_problems += _apply_variant_link(opened, variant)
kind = _pick_kind(top[1], state)
colouring = _pick_colouring(variant, kind, xml_path, version)

fold = st.session_state.get("graph_fold", True)  # the toggles sit next to Find, below; read them first
collapse = st.session_state.get("graph_collapse", False)
try:
    scene = _scene(str(xml_path), version, kind, fold, collapse, tuple(sorted(state["expanded"])))
    colours = _colour(scene, colouring)
except UserError as exc:
    show_error(exc)
    st.stop()
if opened.get("node"):
    link_problems.append(_select_linked_node(opened["node"], scene.view))
links.show_problems(link_problems)
matches = _find_row(scene.graph, scene.view, kind, state)

shown = Shown(variant=variant, xml_path=xml_path, version=version, kind=kind, fold=fold, collapse=collapse,
              scene=scene, colours=colours, colouring=colouring, matches=matches, state=state)
_graph_and_inspector(shown)
st.divider()
_exports(shown)
