"""OV Workbench — the router and frame. Run with `make run` (see README.md).

Pages live in pages/ and are thin views over the `core` library; this file only builds the
navigation, the sidebar frame, and forwards deep links that bypassed it (pages/ui/frame.py).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from pages.ui import server_guard as serve
from core.config import get_settings
from pages.ui.frame import DEEP_LINK_KEY, ROUTER_FLAG, startup

APP_DIR = Path(__file__).resolve().parent
PAGES_DIR = APP_DIR / "pages"

st.set_page_config(page_title="OV Workbench", page_icon=str(APP_DIR / "assets" / "logo.png"), layout="wide")

# Other local origins may not drive the app; a shared server needs its token (pages/ui/server_guard.py).
refusal = serve.ensure_guards()
if refusal:
    st.error(refusal)
    st.stop()

# (file, title, url) per section. The url is the file's stem: a deep link on a fresh server
# is resolved by Streamlit's legacy page discovery (by file name) before app.py runs.
# (file, title, url) per section. No icons: emoji need a font many labs lack, and
# Material icons would fetch a web font (we work offline).
PAGE_SPECS: dict[str, list[tuple[str, str, str]]] = {
    "Workbench": [
        ("home.py", "Home", "home"),
        ("import.py", "Import & convert", "import"),
        ("optimize.py", "Optimize precision", "optimize"),
        ("int8_analysis.py", "INT8 analysis", "int8_analysis"),
        ("graph.py", "Graph", "graph"),
        ("benchmark.py", "Benchmark & profile", "benchmark"),
        ("compare.py", "Compare", "compare"),
    ],
    "System": [
        ("jobs.py", "Jobs", "jobs"),
        ("targets.py", "Targets", "targets"),
        ("storage.py", "Storage", "storage"),
    ],
}
pages_by_file: dict[str, st.Page] = {}
sections: dict[str, list[st.Page]] = {}
for section, specs in PAGE_SPECS.items():
    for file_name, title, url in specs:
        page = st.Page(PAGES_DIR / file_name, title=title, url_path=url, default=file_name == "home.py")
        pages_by_file[f"pages/{file_name}"] = page
        sections.setdefault(section, []).append(page)


@st.cache_resource(show_spinner=False)
def _sweep_abandoned_uploads(workspace: str) -> dict:  # type: ignore[type-arg]
    """Once per process and workspace: upload stages nothing owns, untouched for 6 h (core.storage)."""
    from core.storage import sweep_abandoned

    startup()  # the database exists before we look
    return sweep_abandoned()


_sweep_abandoned_uploads(str(get_settings().workspace))

navigation = st.navigation(sections)
st.session_state[ROUTER_FLAG] = True

deep_link = st.session_state.pop(DEEP_LINK_KEY, None)
if deep_link in pages_by_file and pages_by_file[deep_link].url_path != navigation.url_path:
    st.switch_page(pages_by_file[deep_link])

with st.sidebar:
    st.caption(f"Workspace: `{get_settings().workspace}`")

navigation.run()
