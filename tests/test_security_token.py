"""Issue 16 item 3 (the rules behind pages/ui/server_guard.py, without a browser): when a token is required,
and that a non-loopback server started without the token guard shows nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from pages.ui import server_guard as serve
from tests.conftest import open_page


@pytest.mark.parametrize(("address", "loopback"), [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("127.0.0.2", True),
    ("0.0.0.0", False), ("::", False), ("", False), (None, False), ("192.168.1.20", False), ("example.org", False),
])
def test_loopback_addresses(address: str | None, loopback: bool) -> None:
    assert serve.is_loopback(address) is loopback


def test_token_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OVWB_TOKEN", raising=False)
    assert serve.resolve_token("127.0.0.1") is None  # optional on loopback
    first, second = serve.resolve_token("0.0.0.0"), serve.resolve_token("0.0.0.0")
    assert first and second and first != second and len(first) >= 24  # required off loopback: made per start
    monkeypatch.setenv("OVWB_TOKEN", "auto")
    assert serve.resolve_token("127.0.0.1")
    monkeypatch.setenv("OVWB_TOKEN", "s3cret")
    assert serve.resolve_token("127.0.0.1") == serve.resolve_token("0.0.0.0") == "s3cret"
    monkeypatch.setenv("OVWB_TOKEN", "off")
    assert serve.resolve_token("127.0.0.1") is None
    with pytest.raises(SystemExit, match="only when the server listens on loopback"):
        serve.resolve_token("0.0.0.0")


def test_strict_origins_only_allow_listed_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit import config

    # Streamlit's own rule accepts localhost on any port; ours only the page's own origin or a listed one
    assert not serve.strict_url_from_allowed_origins("http://127.0.0.1:9999")
    assert not serve.strict_url_from_allowed_origins("http://localhost:8501")
    monkeypatch.setattr(config, "get_option", lambda name: ["https://proxy.example/"]
                        if name == "server.corsAllowedOrigins" else None)
    assert serve.strict_url_from_allowed_origins("https://proxy.example")


def test_tokenless_shared_server_shows_nothing(workspace: Path) -> None:
    """`streamlit run app.py --server.address=0.0.0.0` (not via pages/ui/server_guard.py): app.py refuses."""
    from streamlit import config

    original = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    try:
        at = open_page()
        assert not at.exception, at.exception
        assert any("without an access token" in e.value and "make run" in e.value for e in at.error)
        assert not at.title  # no page ran: no names, no paths
    finally:
        config.set_option("server.address", original)
    at = open_page()
    assert not at.error and at.title[0].value == "OV Workbench"
