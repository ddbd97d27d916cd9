"""Deep links: the query parameters that name a view, so the address bar can be sent to a colleague.

One small vocabulary for every page (see LINK_PARAMS):
  /import?model=2            /optimize?variant=3          /benchmark?variant=3&result=9
  /compare?results=4,5,7&baseline=4
  /graph?variant=3&view=ir&colour=time&profile=9&node=op12
  /graph?variant=3&colour=ratio&profile=9&baseline=7     (baseline: the other variant's profile)
  /graph?variant=3&colour=error&layer_error=12           (a stored layer-error analysis)

How it works: a page calls `incoming(page)` before its widgets exist. It returns the link's
parameters once, when they are new to this session (an opened link, or an in-app jump with
`st.switch_page(..., query_params=...)`, e.g. `open_graph`), and the page presets its widgets' session state from
them. After drawing, the page calls `publish(page, ...)` with what is on screen; the address bar
then follows every change of selection. Values we wrote ourselves are remembered, so they are
never mistaken for a new link on the next rerun.

Parsing is strict and never raises: a bad value becomes a sentence for `show_problems` and the
page goes on with its defaults. Everything read from a URL is untrusted and shown as text.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, NoReturn
from urllib.parse import urlencode

import streamlit as st

from core.variants import list_variants
from pages.ui.text import md_text

LINK_PARAMS: dict[str, tuple[str, ...]] = {
    "import": ("model",),
    "optimize": ("variant",),
    "benchmark": ("variant", "result"),
    "compare": ("results", "baseline"),
    "graph": ("variant", "view", "colour", "profile", "baseline", "layer_error", "node"),
}
SEEN = "_ovwb_links_seen"  # {page: {param: value}} last applied or written, per session
MAX_IDS = 50
_ID = re.compile(r"#?(\d{1,12})")


# --------------------------------------------------------------------------- pure helpers


def parse_id(raw: str | None, what: str) -> tuple[int | None, str | None]:
    """("7" -> 7); ("#7" -> 7 too, people copy labels); anything else -> a problem sentence."""
    if raw is None or raw == "":
        return None, None
    match = _ID.fullmatch(raw.strip())
    if not match:
        return None, f"“{raw[:80]}” is not a {what} number."
    return int(match.group(1)), None


def parse_ids(raw: str | None, what: str) -> tuple[list[int], list[str]]:
    """A comma-separated id list ("4,5,7"); duplicates dropped, order kept."""
    if not raw:
        return [], []
    ids: list[int] = []
    problems: list[str] = []
    for part in raw.split(",")[:MAX_IDS]:
        if not part.strip():
            continue
        value, problem = parse_id(part, what)
        if problem:
            problems.append(problem)
        elif value not in ids:
            ids.append(value)  # type: ignore[arg-type]
    return ids, problems


def format_params(values: dict[str, Any]) -> dict[str, str]:
    """Query values as strings; None / "" / [] leave the parameter out; lists join with commas."""
    out: dict[str, str] = {}
    for name, value in values.items():
        if value is None or value == "" or value == [] or value == ():
            continue
        out[name] = ",".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)
    return out


def link_to(page: str, **values: Any) -> str:
    """A relative link to a view, e.g. link_to("graph", variant=3, colour="time") -> "graph?variant=3&colour=time"."""
    params = format_params(values)
    return page + ("?" + urlencode(params, safe=",") if params else "")


# --------------------------------------------------------------------------- session side


def _seen() -> dict[str, dict[str, str]]:
    return st.session_state.setdefault(SEEN, {})


def incoming(page: str) -> dict[str, str]:
    """This page's link parameters when they are new to the session, else {} (already applied)."""
    names = LINK_PARAMS[page]
    current = {name: st.query_params[name] for name in names if name in st.query_params}
    if not current or current == _seen().get(page):
        return {}
    _seen()[page] = current
    return current


def publish(page: str, **values: Any) -> None:
    """Put the view on screen into the address bar (our parameters only; others are left alone)."""
    names = LINK_PARAMS[page]
    wanted = format_params({k: v for k, v in values.items() if k in names})
    for name in names:
        if name in wanted:
            if st.query_params.get(name) != wanted[name]:
                st.query_params[name] = wanted[name]
        elif name in st.query_params:
            del st.query_params[name]
    _seen()[page] = wanted


def show_problems(problems: Iterable[str]) -> None:
    """One warning for everything in a link that did not fit; the page still shows its defaults."""
    problems = [p for p in problems if p]
    if problems:
        st.warning("This link does not fully match what is stored: "
                   + " ".join(md_text(p) for p in problems) + " Showing the closest view instead.")


def preset_variant(variant_id: int, widget_key: str) -> None:
    """Make `pick_variant(key=widget_key)` start on this variant (it remembers the last one chosen)."""
    st.session_state["_ovwb_last_variant"] = variant_id
    st.session_state.pop(widget_key, None)


def apply_variant(params: dict[str, str], widget_key: str) -> list[str]:
    """Preset the page's variant picker from `?variant=`; a problem sentence when it does not exist."""
    variant_id, problem = parse_id(params.get("variant"), "model variant")
    if problem:
        return [problem]
    if variant_id is None:
        return []
    if variant_id not in {v.id for v in list_variants()}:
        return [f"There is no model variant #{variant_id} in this workspace."]
    preset_variant(variant_id, widget_key)
    return []


def open_graph(variant_id: int, *, colour: str | None = None, profile: int | None = None,
               baseline: int | None = None, layer_error: int | None = None, view: str = "ir",
               node: str | None = None) -> NoReturn:
    """Open the Graph page on a variant through its own link parameters (the page checks them as it
    checks an opened link, so other pages never write its widget keys):
    colour "time" with `profile` (a profile result of this variant); "ratio" with `profile` and
    `baseline` (a profile result of another variant of the same model: time / baseline time);
    "error" with `layer_error` (a stored layer-error analysis of this variant); `node` selects a node."""
    _seen().pop("graph", None)  # applied even when the Graph page last showed this very view
    params = format_params({"variant": variant_id, "view": view, "colour": colour, "profile": profile,
                            "baseline": baseline, "layer_error": layer_error, "node": node})
    st.switch_page("pages/graph.py", query_params=params)
