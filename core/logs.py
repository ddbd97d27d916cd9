"""Logging to a rotating file in the workspace, so a failure can be read after the fact."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler

from core.config import get_settings
from core.workspace import make_private_dir

_configured: set[str] = set()


def setup_logging(component: str = "app") -> None:
    """Route our loggers (`ovwb.*`) and warnings to <workspace>/logs/<component>.log."""
    settings = get_settings()
    key = f"{settings.workspace}:{component}"
    if key in _configured:
        return
    make_private_dir(settings.logs_dir)  # also sets umask 077: the log file is 0600
    handler = RotatingFileHandler(
        settings.logs_dir / f"{component}.log", maxBytes=5_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("ovwb")
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").addHandler(handler)
    _configured.add(key)
