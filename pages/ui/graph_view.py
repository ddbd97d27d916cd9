"""The graph drawing as a Streamlit custom component (st.components.v2, two-way).

Python → browser: the SVG drawing (only when this browser tab does not hold it yet: a click
must not resend a megabyte), fills, legend, selection, matches and a centre request.
Browser → Python: the clicked node id (trigger "click"), and the drawing keys it holds
(state "have"). JS and CSS are read from assets/graph_view/ and passed inline: no build
step, nothing fetched from a network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import streamlit as st

ASSETS = Path(__file__).resolve().parents[2] / "assets" / "graph_view"
COMPONENT_NAME = "ovwb_graph_view"


@st.cache_resource(show_spinner=False)
def _component() -> Any:
    return st.components.v2.component(
        COMPONENT_NAME,
        js=(ASSETS / "graph_view.js").read_text(),
        css=(ASSETS / "graph_view.css").read_text(),
    )


def clicked_node(key: str) -> str | None:
    """The node id the last click sent (read in an on-click callback, before the page draws)."""
    value = st.session_state.get(key)
    if value is None:
        return None
    try:
        return value.get("click") if hasattr(value, "get") else getattr(value, "click", None)
    except Exception:  # the component's state object is Streamlit's; be lenient about its shape
        return None


def graph_view(
    *,
    key: str,
    drawing_key: str,
    drawing: Callable[[], dict[str, Any]],
    fills: dict[str, str],
    fills_key: str,
    legend: dict[str, Any],
    legend_key: str,
    selected: str | None,
    highlight: list[str],
    centre: dict[str, Any] | None,
    height: int = 720,
    on_click: Callable[[], None] | None = None,
) -> Any:
    """Mount the view; `drawing()` is called only when the browser needs the SVG."""
    state = st.session_state.get(key)
    have = []
    try:
        have = list((state or {}).get("have") or [])
    except Exception:
        have = []
    data: dict[str, Any] = {
        "key": drawing_key,
        "svg": None if drawing_key in have else drawing()["svg"],
        "fills": fills,
        "fills_key": fills_key,
        "legend": legend,
        "legend_key": legend_key,
        "selected": selected,
        "highlight": highlight,
        "centre": centre,
        "height": height,
    }
    return _component()(key=key, data=data, height=height + 4, default={"have": []},
                        on_click_change=on_click or (lambda: None), on_have_change=lambda: None)
