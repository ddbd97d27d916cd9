"""OV Workbench — the router and frame. Run with `make run` (see README.md).

Pages live in pages/ and are thin views over the `core` library; this file only builds the
navigation, the sidebar frame, and forwards deep links that bypassed it (pages/ui/frame.py).
"""

from __future__ import annotations

import streamlit as st

from core.config import get_settings
from core.storage import sweep_abandoned
from pages.ui import server_guard as serve
from pages.ui.frame import APP_DIR, DEEP_LINK_KEY, ROUTER_FLAG, startup

st.set_page_config(page_title="OV Workbench", page_icon=str(APP_DIR / "assets" / "logo.png"), layout="wide")

PAGES_DIR = APP_DIR / "pages"
# (file, title, url) per section. The url is the file's stem: a deep link on a fresh server
# is resolved by Streamlit's legacy page discovery (by file name) before app.py runs.
# No icons: emoji need a font many labs lack, and Material icons would fetch a web font
# (we work offline).
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


@st.cache_resource(show_spinner=False)
def _sweep_abandoned_uploads(workspace: str) -> dict:  # type: ignore[type-arg]
    """Once per process and workspace: upload stages nothing owns, untouched for 6 h (core.storage)."""
    startup()  # the database exists before we look
    return sweep_abandoned()


def build_pages(specs: dict[str, list[tuple[str, str, str]]]) -> tuple[dict[str, st.Page], dict[str, list[st.Page]]]:
    """The navigation's sections, and each page by its path ("pages/graph.py") for deep links."""
    pages_by_file: dict[str, st.Page] = {}
    sections: dict[str, list[st.Page]] = {}
    for section, section_specs in specs.items():
        for file_name, title, url in section_specs:
            page = st.Page(PAGES_DIR / file_name, title=title, url_path=url, default=file_name == "home.py")
            pages_by_file[f"pages/{file_name}"] = page
            sections.setdefault(section, []).append(page)
    return pages_by_file, sections


def forward_deep_link(pages_by_file: dict[str, st.Page], current_url_path: str) -> None:
    """A page that ran before the router (pages/ui/frame.py) asked to be shown again behind it."""
    deep_link = st.session_state.pop(DEEP_LINK_KEY, None)
    if deep_link in pages_by_file and pages_by_file[deep_link].url_path != current_url_path:
        st.switch_page(pages_by_file[deep_link])


# Other local origins may not drive the app; a shared server needs its token (pages/ui/server_guard.py).
refusal = serve.ensure_guards()
if refusal:
    st.error(refusal)
    st.stop()
_sweep_abandoned_uploads(str(get_settings().workspace))
pages_by_file, sections = build_pages(PAGE_SPECS)
navigation = st.navigation(sections)
st.session_state[ROUTER_FLAG] = True
forward_deep_link(pages_by_file, navigation.url_path)
with st.sidebar:
    st.caption(f"Workspace: `{get_settings().workspace}`")
navigation.run()
