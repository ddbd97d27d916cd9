"""The measuring child on a target: `python -m core.targets.runner RUN_DIR`.

Reads RUN_DIR/spec.json ({"function", "xml_path", "device", "kwargs"}), runs one of the
measurement adapters (ALLOWED_FUNCTIONS; files sent with it are named by markers in kwargs,
resolved to this target's copies), and writes RUN_DIR/result.json
({"ok": true, "metrics": ...} or {"ok": false, "error", "hint"}); progress goes to
RUN_DIR/progress.json, which the app reads every 2 s. No database, no app paths.
"""

from __future__ import annotations

import json
import logging
import math
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from core.errors import UserError
from core.jobs.child import explain_unexpected, resolve_entrypoint
from core.targets.on_target import resolve_travelled
from core.telemetry import disable_telemetry
from core.workspace import private_files

# The only functions a target runs (a spec naming anything else is refused).
ALLOWED_FUNCTIONS = {
    "core.benchmark.measure:benchmark",
    "core.benchmark.measure:profile",
    "core.benchmark.measure:sweep",
    "core.accuracy.measure:accuracy_on_samples",
}
PROGRESS_INTERVAL_S = 0.5


class Stopped(BaseException):
    """SIGTERM from the worker (cancel, or the target is shutting down)."""


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, allow_nan=False, default=str))
    os.replace(tmp, path)


def _finite(value: Any) -> Any:
    """JSON data with NaN/inf as null (strict JSON; the app stores it in a JSON column)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def run(run_dir: Path) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stdout, force=True)
    disable_telemetry()
    private_files()

    def on_term(_signum: int, _frame: object) -> None:
        raise Stopped()

    signal.signal(signal.SIGTERM, on_term)
    spec = json.loads((run_dir / "spec.json").read_text())
    result_path, progress_path = run_dir / "result.json", run_dir / "progress.json"
    if spec.get("function") not in ALLOWED_FUNCTIONS:
        _write_json(result_path, {"ok": False, "error": f"A target runs only measurements, not {spec.get('function')!r}.",
                                  "hint": None})
        return 1
    last = [0.0]

    def progress(fraction: float | None, message: str | None = None, force: bool = False) -> None:
        now = time.monotonic()
        if message:
            logging.getLogger("ovwb.target").info("[%s] %s", "…" if fraction is None else f"{fraction:.0%}", message)
        if force or fraction == 1.0 or now - last[0] >= PROGRESS_INTERVAL_S:
            _write_json(progress_path, {"fraction": fraction, "message": message})
            last[0] = now

    try:
        function = resolve_entrypoint(spec["function"])
        kwargs = resolve_travelled(dict(spec.get("kwargs") or {}))
        metrics = function(Path(spec["xml_path"]), progress, **kwargs)
        _write_json(result_path, {"ok": True, "metrics": _finite(metrics)})
        return 0
    except Stopped:
        logging.getLogger("ovwb.target").info("stopped")
        return 143
    except UserError as exc:
        _write_json(result_path, {"ok": False, "error": exc.message, "hint": exc.hint})
        return 1
    except BaseException as exc:  # noqa: BLE001 - every failure must reach the app
        traceback.print_exc(file=sys.stdout)
        message, hint = explain_unexpected(exc)
        _write_json(result_path, {"ok": False, "error": message, "hint": hint})
        return 1


def main(argv: list[str]) -> int:
    try:
        return run(Path(argv[1]))
    except Stopped:
        return 143


if __name__ == "__main__":
    sys.exit(main(sys.argv))
