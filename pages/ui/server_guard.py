"""Start OV Workbench: `python -m pages.ui.server_guard [streamlit options]` (what `make run` does).

It runs `streamlit run app.py` with two guards put into Streamlit's server before it starts
(Streamlit 1.67, starlette server; checked against its source):

1. **Origins.** Streamlit accepts a WebSocket to `/_stcore/stream` from the page's own origin,
   and otherwise asks `server_util.is_url_from_allowed_origins`, which accepts localhost,
   127.0.0.1 and 0.0.0.0 *on any port* plus the machine's own IPs. Any page served by another
   local program (a dev server, a notebook, a browser extension page) could therefore open the
   socket, run the app and read what it shows. No config option narrows this
   (`server.enableCORS=false` widens it; `corsAllowedOrigins` only adds), so we replace the
   origin check (`starlette_websocket._is_origin_allowed`, and `is_url_from_allowed_origins`
   for any other caller) with: same origin as the Host the browser used, or exactly an origin
   listed in `server.corsAllowedOrigins` (for a reverse proxy). When the server listens on
   loopback only, the Host must be a loopback name too (a DNS-rebinding page has its own).

2. **Token.** A server on a non-loopback address needs an access token, like Jupyter's:
   `OVWB_TOKEN=<secret>` sets it, otherwise a random one is made at each start and the URL
   with `?token=…` is printed. Opening that URL sets an HttpOnly cookie; every HTTP request and
   the WebSocket need the cookie (or `Authorization: token <secret>`), except the health
   check. On loopback the token is off unless OVWB_TOKEN is set (`OVWB_TOKEN=auto` makes one).

`app.py` calls `ensure_guards()` on every run: it installs the origin check when the app was
started with a plain `streamlit run app.py` (later connections are then checked) and refuses
to show anything on a non-loopback server that was started without the token guard.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import socket
import sys
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlparse

from core.cluster.address import is_loopback

APP = Path(__file__).resolve().parents[2] / "app.py"
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}
HEALTH_PATHS = ("/_stcore/health", "/healthz")
_state: dict[str, Any] = {"origin_guard": False, "token_guard": False, "token": None}


# --- addresses ------------------------------------------------------------------------------

def _server_option(name: str) -> Any:
    from streamlit import config

    return config.get_option(name)


def _host_name(host_header: str | None) -> str:
    if not host_header:
        return ""
    parsed = urlparse(f"//{host_header}")
    return (parsed.hostname or "").lower()


# --- 1. origins -----------------------------------------------------------------------------

def _allowlisted_origins() -> set[str]:
    return {origin.strip().rstrip("/") for origin in _server_option("server.corsAllowedOrigins") or []}


def strict_url_from_allowed_origins(url: str) -> bool:
    """Replacement for Streamlit's check: an origin is allowed only if listed exactly."""
    return url.strip().rstrip("/") in _allowlisted_origins()


def strict_origin_allowed(origin: str | None, host: str | None) -> bool:
    """The WebSocket handshake check (replaces starlette_websocket._is_origin_allowed)."""
    from streamlit.web.server.starlette.starlette_websocket import is_host_allowed

    if not is_host_allowed(host):  # Streamlit's own server.allowedHosts, when set
        return False
    if is_loopback(_server_option("server.address")) and _host_name(host) not in LOOPBACK_NAMES:
        return False  # a loopback server reached under another name: DNS rebinding
    if origin is None:
        return True  # not a browser (browsers always send Origin on WebSockets); the token guards these
    if urlparse(origin).netloc == host:
        return True  # the app's own page
    return strict_url_from_allowed_origins(origin)


def install_origin_guard() -> None:
    if _state["origin_guard"]:
        return
    from streamlit.web.server import server_util
    from streamlit.web.server.starlette import starlette_websocket

    server_util.is_url_from_allowed_origins = strict_url_from_allowed_origins
    starlette_websocket.is_url_from_allowed_origins = strict_url_from_allowed_origins
    starlette_websocket._is_origin_allowed = strict_origin_allowed
    _state["origin_guard"] = True


# --- 2. token -------------------------------------------------------------------------------

def resolve_token(address: str | None) -> str | None:
    """OVWB_TOKEN if set; a fresh random one when unset on a non-loopback address; else None."""
    value = os.environ.get("OVWB_TOKEN", "").strip()
    if value.lower() in ("off", "none", "0"):
        if not is_loopback(address):
            raise SystemExit(f"OVWB_TOKEN={value} is allowed only when the server listens on loopback, not {address!r}.")
        return None
    if value and value.lower() != "auto":
        return value
    if value.lower() == "auto" or not is_loopback(address):
        return secrets.token_urlsafe(24)
    return None


def _cookie_value(token: str) -> str:
    return hmac.new(token.encode(), b"ovwb-session", hashlib.sha256).hexdigest()


class TokenGuard:
    """ASGI middleware: every request but the health check carries the token (cookie/header/query)."""

    def __init__(self, app: Any, token: str, cookie_name: str) -> None:
        self.app = app
        self.token = token
        self.cookie_name = cookie_name
        self.cookie = _cookie_value(token)

    def _authorised(self, headers: dict[bytes, bytes]) -> bool:
        cookies = SimpleCookie()
        try:
            cookies.load(headers.get(b"cookie", b"").decode("latin-1"))
        except Exception:
            pass
        morsel = cookies.get(self.cookie_name)
        if morsel is not None and hmac.compare_digest(morsel.value, self.cookie):
            return True
        auth = headers.get(b"authorization", b"").decode("latin-1")
        scheme, _, value = auth.partition(" ")
        return scheme.lower() in ("token", "bearer") and hmac.compare_digest(value.strip(), self.token)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket") or scope.get("path", "").endswith(HEALTH_PATHS):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if self._authorised(headers):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})  # before accept: HTTP 403
            return
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = next((v for k, v in query if k == "token"), None)
        if given is not None and hmac.compare_digest(given, self.token):
            rest = urlencode([(k, v) for k, v in query if k != "token"])
            location = (scope.get("root_path", "") + scope["path"]) + (f"?{rest}" if rest else "")
            cookie = f"{self.cookie_name}={self.cookie}; Path=/; HttpOnly; SameSite=Strict"
            await _respond(send, 302, b"", [(b"location", location.encode()), (b"set-cookie", cookie.encode())])
            return
        body = (b"<!DOCTYPE html><title>OV Workbench</title><p>This OV Workbench needs its access token. "
                b"Open the address printed when the server started (it ends in <code>?token=...</code>), "
                b"or ask whoever started it.</p>")
        await _respond(send, 403, body, [(b"content-type", b"text/html; charset=utf-8")])


async def _respond(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store"), *headers]})
    await send({"type": "http.response.body", "body": body})


def _display_url(address: str | None, port: int, token: str) -> str:
    host = address if address and address not in ("0.0.0.0", "::") else socket.gethostname()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/?token={token}"


def install_token_guard() -> None:
    """Wrap Streamlit's middleware factory: the guard is built when the server starts (config loaded)."""
    if _state["token_guard"]:
        return
    from starlette.middleware import Middleware
    from streamlit.web.server.starlette import starlette_app

    original = starlette_app.create_streamlit_middleware

    def create_streamlit_middleware() -> list[Any]:
        middleware = original()
        address = _server_option("server.address")
        port = int(_server_option("server.port"))
        token = _state["token"] = resolve_token(address)
        if token is None:
            print(f"OV Workbench: listening on loopback {address}:{port} without a token "
                  "(set OVWB_TOKEN to require one).", flush=True)
            return middleware
        print(f"OV Workbench needs its access token. Open:\n    {_display_url(address, port, token)}", flush=True)
        return [Middleware(TokenGuard, token=token, cookie_name=f"ovwb_token_{port}"), *middleware]

    starlette_app.create_streamlit_middleware = create_streamlit_middleware
    _state["token_guard"] = True


# --- used by app.py and by the start command --------------------------------------------------

def ensure_guards() -> str | None:
    """Install the origin guard; a reason to refuse service when a shared server has no token."""
    install_origin_guard()
    address = _server_option("server.address")
    if not is_loopback(address) and not _state["token_guard"]:
        return (f"This server listens on {address or 'every interface'} without an access token, so anyone who "
                "can reach it could use it. Start it with `make run` (python -m pages.ui.server_guard), which requires a token.")
    return None


def main(argv: list[str] | None = None) -> int:
    install_origin_guard()
    install_token_guard()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    return cli.main()  # type: ignore[no-any-return]


if __name__ == "__main__":
    from pages.ui import server_guard  # the guards' state must live in the module app.py imports, not in __main__

    sys.exit(server_guard.main())
