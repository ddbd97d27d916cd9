"""Issue 16 item 3: no other origin drives the app, and a shared server needs its token.

A real app started the way users start it (`python -m pages.ui.server_guard`, what `make run` runs), a real
second HTTP server on another local port serving an attacker's page, and Debian's Chromium.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import GUARDED_COMMAND, StreamlitServer, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ATTACK_PAGE = """<!DOCTYPE html><html><body><p id="state">pending</p><script>
window.attempts = {};
function attack(label, url) {
  window.attempts[label] = "pending";
  const ws = new WebSocket(url);
  ws.onopen = () => { window.attempts[label] = "open"; ws.close(); };
  ws.onclose = (event) => { if (window.attempts[label] === "pending") window.attempts[label] = "refused:" + event.code; };
}
attack("127.0.0.1", "ws://127.0.0.1:APP_PORT/_stcore/stream");
attack("localhost", "ws://localhost:APP_PORT/_stcore/stream");
</script></body></html>"""
PROBE_JS = """(url) => new Promise((resolve) => {
  const ws = new WebSocket(url);
  ws.onopen = () => { ws.close(); resolve("open"); };
  ws.onclose = (event) => resolve("refused:" + event.code);
})"""


@pytest.fixture
def serve(server_factory, tmp_path: Path):  # type: ignore[no-untyped-def]
    """`python -m pages.ui.server_guard` (what `make run` starts) on a free port with its own workspace."""

    def start(address: str = "127.0.0.1", **env: str) -> StreamlitServer:
        return server_factory(tmp_path / "workspace", env=env, address=address, command=GUARDED_COMMAND)

    return start


@pytest.fixture
def attacker_site(tmp_path: Path) -> Iterator:  # type: ignore[type-arg]
    """Another local program's web server (another port = another origin)."""
    root = tmp_path / "attacker"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def publish(app_port: int) -> str:
        (root / "attack.html").write_text(ATTACK_PAGE.replace("APP_PORT", str(app_port)))
        return f"http://127.0.0.1:{server.server_address[1]}/attack.html"

    yield publish
    server.shutdown()


def test_page_from_another_local_port_cannot_open_the_apps_websocket(serve, attacker_site, page) -> None:  # type: ignore[no-untyped-def]
    app = serve()
    # the app works from its own origin
    page.goto(app.url)
    wait_for_app(page)
    expect(page.get_by_test_id("stMain").get_by_role("heading", name="OV Workbench")).to_be_visible(timeout=60_000)

    attack = page.context.new_page()
    attack.goto(attacker_site(app.port))
    attack.wait_for_function("Object.values(window.attempts).every((s) => s !== 'pending')", timeout=30_000)
    attempts = attack.evaluate("window.attempts")
    assert attempts == {"127.0.0.1": "refused:1006", "localhost": "refused:1006"}, attempts
    assert "Rejecting WebSocket connection with disallowed Origin" in app.log()
    # its own page still connects (same origin), and the app stays usable
    assert page.evaluate(PROBE_JS, f"ws://127.0.0.1:{app.port}/_stcore/stream") == "open"
    page.reload()
    wait_for_app(page)
    expect(page.get_by_test_id("stMain").get_by_role("heading", name="OV Workbench")).to_be_visible()


def test_dns_rebinding_name_is_refused_on_a_loopback_server(serve) -> None:  # type: ignore[no-untyped-def]
    """A page at http://evil.example:PORT resolving to 127.0.0.1 is "same origin" by Host; the
    loopback server only answers its WebSocket under loopback names."""
    from websockets.sync.client import connect

    app = serve()
    with pytest.raises(Exception):  # noqa: PT011 - refused handshake (HTTP 403)
        with connect(f"ws://127.0.0.1:{app.port}/_stcore/stream", origin=f"http://evil.example:{app.port}",
                     additional_headers={"Host": f"evil.example:{app.port}"}, open_timeout=10):
            pass
    with connect(f"ws://127.0.0.1:{app.port}/_stcore/stream", origin=f"http://127.0.0.1:{app.port}",
                 open_timeout=10):
        pass  # the genuine origin is accepted


def test_shared_server_requires_its_token(serve, page) -> None:  # type: ignore[no-untyped-def]
    app = serve("0.0.0.0")  # reachable from the network: a token is made and printed
    printed = re.search(r"http://[^\s/]+:(\d+)/\?token=([\w-]+)", app.log())
    assert printed and int(printed.group(1)) == app.port, app.log()
    token = printed.group(2)
    assert len(token) >= 24

    with urllib.request.urlopen(f"{app.url}/_stcore/health", timeout=10) as response:
        assert response.status == 200  # monitoring needs no token
    for path in ("/", "/graph", "/_stcore/host-config", f"/?token={token}x"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{app.url}{path}", timeout=10)
        assert refused.value.code == 403, path

    page.goto(app.url)
    expect(page.get_by_text("needs its access token")).to_be_visible()
    assert page.evaluate(PROBE_JS, f"ws://127.0.0.1:{app.port}/_stcore/stream").startswith("refused")
    screenshot(page, "token-required")

    page.goto(f"{app.url}/?token={token}")
    wait_for_app(page)
    assert "token=" not in page.url  # the token went into an HttpOnly cookie, not the history
    expect(page.get_by_test_id("stMain").get_by_role("heading", name="OV Workbench")).to_be_visible(timeout=60_000)
    assert page.evaluate(PROBE_JS, f"ws://127.0.0.1:{app.port}/_stcore/stream") == "open"
    page.get_by_test_id("stSidebarNav").get_by_text("Jobs").click()
    wait_for_app(page)
    expect(page.get_by_test_id("stMain").get_by_role("heading", name="Jobs")).to_be_visible()
    # scripts can send the token as a header instead
    request = urllib.request.Request(f"{app.url}/", headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def test_configured_token_on_loopback(serve) -> None:  # type: ignore[no-untyped-def]
    app = serve("127.0.0.1", OVWB_TOKEN="correct-horse-battery-staple")
    assert "?token=correct-horse-battery-staple" in app.log()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{app.url}/", timeout=10)
    assert refused.value.code == 403
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    with opener.open(f"{app.url}/?token=correct-horse-battery-staple", timeout=10) as response:
        assert response.status == 200 and response.url == f"{app.url}/"
