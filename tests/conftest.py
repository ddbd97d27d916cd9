"""Shared fixtures: an isolated workspace per test, AppTest pages, a real Streamlit server
and Debian's Chromium driven by Playwright. Nothing is mocked."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


STORES = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "both_stores: run the test on SQLite and on a real PostgreSQL server")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test (or module) marked `both_stores` runs once per store: its `workspace` uses the
    workspace's SQLite file, then a fresh database on the session's PostgreSQL server."""
    if "store" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_stores"):
        metafunc.parametrize("store", STORES, indirect=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator:  # type: ignore[type-arg]
    """One real PostgreSQL server for the session (tests/postgres.py), started on first use."""
    from tests.postgres import PostgresServer

    try:
        server = PostgresServer()
    except FileNotFoundError as exc:
        pytest.fail(str(exc))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def store(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The database URL a test's workspace uses: None for the workspace's own SQLite file
    (the default), or a fresh database on the PostgreSQL server (dropped afterwards)."""
    kind = getattr(request, "param", "sqlite")
    if kind == "sqlite":
        yield None
        return
    server = request.getfixturevalue("postgres_server")
    name = server.new_database()
    try:
        yield server.url(name)
    finally:
        from core.store import reset_engine

        reset_engine()
        server.drop_database(name)


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: str | None) -> Iterator[Path]:
    """A fresh workspace + database for this test (no first-run sample unless asked): its SQLite
    file, or with `both_stores` also a PostgreSQL database (OVWB_DATABASE_URL, so the CLI and
    servers a test starts use it too)."""
    ws = tmp_path / "workspace"
    monkeypatch.setenv("OVWB_WORKSPACE", str(ws))
    monkeypatch.setenv("OVWB_NO_SAMPLE", "1")
    if store is None:
        monkeypatch.delenv("OVWB_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("OVWB_DATABASE_URL", store)
    monkeypatch.delenv("OVWB_DASK_SCHEDULER", raising=False)
    from core.jobs.api import _futures
    from core.store import init_db

    _futures.clear()  # futures of an earlier test's jobs: this database numbers its jobs from 1 again
    init_db()
    yield ws


@pytest.fixture(scope="session", autouse=True)
def _close_dask_at_end() -> Iterator[None]:
    yield
    from core.jobs.cluster import shutdown_client

    shutdown_client()


def open_page(page: str | None = None, timeout: float = 60):  # type: ignore[no-untyped-def]
    """An AppTest that went through app.py (the router) and then to `page` (e.g. "pages/jobs.py")."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.run()
    if page is not None and page != "pages/home.py":
        at.switch_page(page)
        at.run()
    return at


def rendered(markdown: str) -> str:
    """What a reader sees of Markdown that pages/ui/text.py escaped (AppTest holds the source):
    backslash escapes and the zero-width spaces undone, "&amp;" read as "&"."""
    import re

    return re.sub(r"\\(.)", r"\1", markdown).replace("\u200b", "").replace("&amp;", "&")


def page_text(at) -> str:  # type: ignore[no-untyped-def]
    """All visible text of an AppTest run, for simple assertions."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        for element in getattr(at, kind, []):
            parts.append(rendered(str(element.value)))
    for kind in ("text", "code"):  # shown as they are
        for element in getattr(at, kind, []):
            parts.append(str(element.value))
    for metric in at.metric:
        parts.append(f"{metric.label} {metric.value}")
    return "\n".join(parts)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


APP_COMMAND = ("streamlit", "run", str(ROOT / "app.py"))  # what the browser tests serve (`python -m ...`)
GUARDED_COMMAND = ("pages.ui.server_guard",)  # what `make run` serves: the app behind its origin/token guards


class StreamlitServer:
    """`python -m streamlit run app.py` (or another `command`, e.g. the guarded start) on a free port
    with its own workspace; start/stop/restart, and its log."""

    def __init__(self, workspace: Path, env: dict[str, str] | None = None, address: str = "127.0.0.1",
                 command: tuple[str, ...] = APP_COMMAND) -> None:
        self.workspace = workspace
        self.port = free_port()
        self.address = address
        self.command = command
        self.env = {"OVWB_NO_SAMPLE": "1", **(env or {})}  # the sample job only where a test asks
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = workspace.parent / f"streamlit-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self, timeout: float = 90) -> None:
        env = dict(os.environ)
        env.pop("OVWB_TOKEN", None)  # a token only where a test asks for one
        env.update(OVWB_WORKSPACE=str(self.workspace), PYTHONPATH=str(ROOT), **self.env)
        self.workspace.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", *self.command,
                f"--server.address={self.address}", f"--server.port={self.port}", "--server.headless=true",
                "--browser.gatherUsageStats=false",
            ],
            cwd=str(ROOT), env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"{' '.join(self.command)} did not start; log: {self.log()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            import signal

            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator:  # type: ignore[type-arg]
    """Fresh servers for tests that need one (a first start, a restart, their own workspace or
    environment); stopped after the test. Other browser tests share `served`."""
    servers: list[StreamlitServer] = []

    def make(workspace: Path | None = None, env: dict[str, str] | None = None, start: bool = True,
             **options: Any) -> StreamlitServer:
        server = StreamlitServer(workspace or tmp_path / "workspace", env=env, **options)
        servers.append(server)
        if start:
            server.start()
        return server

    yield make
    for server in servers:
        server.stop()


@contextlib.contextmanager
def serving(server: StreamlitServer) -> Iterator[StreamlitServer]:
    """This process's core calls (seeding models, results) go to `server`'s workspace meanwhile."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OVWB_WORKSPACE", str(server.workspace))
        patch.setenv("OVWB_NO_SAMPLE", "1")
        patch.delenv("OVWB_DATABASE_URL", raising=False)
        patch.delenv("OVWB_DASK_SCHEDULER", raising=False)
        from core.store import init_db

        init_db()
        yield server


@pytest.fixture(scope="module")
def module_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitServer]:
    """One `streamlit run` per browser-test module: a start (and the cold imports of its first
    run) costs seconds on a shared machine. Tests see each other's data: they name what they
    open (`/graph?variant=3`) rather than rely on an empty workspace."""
    server = StreamlitServer(tmp_path_factory.mktemp("served") / "workspace")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def served(module_server: StreamlitServer) -> Iterator[StreamlitServer]:
    """The module's shared server, with this test's core calls going to its workspace."""
    with serving(module_server):
        yield module_server


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    """Save a full-page screenshot under test-artifacts/ (look at it)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_for_app(page, timeout: float = 60_000) -> None:  # type: ignore[no-untyped-def]
    """Wait until Streamlit finished running the script (after load or a click)."""
    page.wait_for_timeout(300)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)


def open_from_sidebar(page, server: StreamlitServer, title: str):  # type: ignore[no-untyped-def]
    """Open the app's home, go to the page `title` through the sidebar, return its main area."""
    from playwright.sync_api import expect

    page.goto(server.url)
    wait_for_app(page)
    page.get_by_test_id("stSidebarNav").get_by_text(title).click()
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name=title)).to_be_visible()
    return main


def choose_option(page, label: str, option) -> None:  # type: ignore[no-untyped-def]
    """Pick `option` (text or compiled pattern) in the select box labelled `label` in the main area."""
    box = page.get_by_test_id("stMain").get_by_role("combobox", name=label, exact=True)  # not its help button
    box.scroll_into_view_if_needed()
    box.click()
    listbox = page.get_by_role("listbox")
    if not listbox.is_visible():  # the first click can land while the script reruns
        page.wait_for_timeout(500)
        box.click()
    listbox.get_by_role("option", name=option).click()
    wait_for_app(page)


@pytest.fixture
def patient_expect():  # type: ignore[no-untyped-def]
    """Widgets load lazily and the machine is shared: Playwright's expect waits up to 30 s in the
    tests that use this, then the default comes back."""
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    yield
    expect.set_options(timeout=5_000)
