"""Every page starts with `page_setup(title)`: routing guard, one-time start-up, title.

Why the guard: with a folder named `pages/`, a deep link (e.g. /graph) on a fresh server
can run the page file directly, bypassing app.py and its navigation (Streamlit's legacy
page discovery). A page that finds no router flag remembers itself and switches to app.py,
which builds the navigation and forwards straight back to it. Switching pages clears the
query string, so the guard keeps the link's parameters (`?result=9`, see pages/ui/links.py) and
puts them back when the page runs again behind the router.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import streamlit as st

from core.config import get_settings
from core.telemetry import disable_telemetry

APP_DIR = Path(__file__).resolve().parents[2]
ROUTER_FLAG = "_ovwb_router_ran"
DEEP_LINK_KEY = "_ovwb_deep_link"
DEEP_LINK_QUERY = "_ovwb_deep_link_query"  # {"page": relative path, "params": {name: value}}


@st.cache_resource(show_spinner=False)
def _startup(workspace: str, database_url: str) -> dict[str, int]:
    """Once per server process and workspace: logs, database, orphaned jobs, first-run sample."""
    from core.jobs import reconcile_interrupted_jobs
    from core.logs import setup_logging
    from core.sample import ensure_sample_queued
    from core.store import init_db
    from core.workspace import sweep_tmp

    disable_telemetry()
    setup_logging("app")
    init_db()
    interrupted = reconcile_interrupted_jobs()
    sweep_tmp()
    sample_job = ensure_sample_queued()
    return {"interrupted": interrupted, "sample_job": sample_job or 0}


def startup() -> dict[str, int]:
    settings = get_settings()
    return _startup(str(settings.workspace), settings.database_url)


def page_setup(title: str, caption: str | None = None) -> None:
    if not st.session_state.get(ROUTER_FLAG):
        caller = Path(inspect.stack()[1].filename).resolve()
        st.session_state[DEEP_LINK_KEY] = str(caller.relative_to(APP_DIR))
        st.session_state[DEEP_LINK_QUERY] = {"page": st.session_state[DEEP_LINK_KEY],
                                             "params": st.query_params.to_dict()}
        st.switch_page("app.py")  # paths are relative to the entrypoint, app.py
    kept = st.session_state.pop(DEEP_LINK_QUERY, None)
    if kept and kept["params"] and not st.query_params.to_dict():
        caller = Path(inspect.stack()[1].filename).resolve()
        if kept["page"] == str(caller.relative_to(APP_DIR)):  # back behind the router: the link's own view
            st.query_params.from_dict(kept["params"])
    startup()
    st.title(title)
    if caption:
        st.caption(caption)
