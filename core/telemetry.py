"""No telemetry, and nothing written to the home directory for it.

The README promises an offline tool. Three libraries we use would phone home or leave
traces unless told otherwise:

- OpenVINO's converter (ovc) and NNCF report usage through the `openvino_telemetry`
  package, which also creates `~/intel/openvino_telemetry` (the consent file) — even
  `opt_in_out --opt_out` writes that folder. Both fall back to a built-in no-op stub when
  the package cannot be imported, so we make it unimportable in our processes: no events,
  no consent dialog, no folder.
- ONNX Runtime (its bundled 1DS telemetry SDK) queues events per session, and at import
  writes `$TMPDIR/.ses` (first-launch time and an id) and
  `~/.cache/Microsoft/DeveloperTools/.onnxruntime/` (`deviceid` and an offline event
  store). `onnxruntime.disable_telemetry_events()` turns the events off; we call it the
  moment onnxruntime is imported (an import hook), so no call site can forget, and during
  that import TMPDIR and XDG_CACHE_HOME point into the workspace's private scratch folder,
  so neither the home directory nor the system temp dir gets those files.

`disable_telemetry()` runs when the `core` package is imported, i.e. first thing in the
app, the CLI, Dask workers and job children. It is cheap (imports nothing heavy).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
from types import ModuleType
from typing import Any

from core.config import get_settings
from core.workspace import make_private_dir

_ort_disabled = False
ORT_IMPORT_DIRS = ("TMPDIR", "XDG_CACHE_HOME")  # where onnxruntime's import writes its ids
_installed = False


def _disable_ort(module: ModuleType) -> None:
    global _ort_disabled
    disable = getattr(module, "disable_telemetry_events", None)
    if disable is not None:
        try:
            disable()
            _ort_disabled = True
        except Exception:  # noqa: BLE001 - a build without telemetry has nothing to disable
            pass


class _OnnxRuntimeTelemetryOff(importlib.abc.MetaPathFinder):
    """Finds `onnxruntime` with the regular finders, then disables its telemetry right
    after the module has run."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != "onnxruntime":
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        original = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            scratch = _ort_scratch()
            saved = {name: os.environ.get(name) for name in ORT_IMPORT_DIRS}
            if scratch is not None:
                os.environ.update({name: scratch for name in ORT_IMPORT_DIRS})
            try:
                original(module)
            finally:
                for name, value in saved.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value
            _disable_ort(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _ort_scratch() -> str | None:
    """A private folder in the workspace for what ONNX Runtime writes at import."""
    try:
        return str(make_private_dir(get_settings().workspace / "scratch" / "onnxruntime"))
    except OSError:
        return None


def _block_openvino_telemetry() -> None:
    """ovc and NNCF use their no-op stubs when `openvino_telemetry` cannot be imported."""
    module = sys.modules.get("openvino_telemetry")
    if module is None:
        sys.modules["openvino_telemetry"] = None  # type: ignore[assignment]  # import now raises ImportError
        return
    # Imported before us (another library): let it find no consent, so it writes nothing.
    try:
        from openvino_telemetry.utils.opt_in_checker import ConsentCheckResult, OptInChecker

        OptInChecker.check = lambda self, *args, **kwargs: ConsentCheckResult.DECLINED  # type: ignore[method-assign]
    except Exception:  # noqa: BLE001 - a different version: nothing more we can do here
        pass


def disable_telemetry() -> None:
    """Turn off OpenVINO/NNCF and ONNX Runtime telemetry in this process (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    _block_openvino_telemetry()
    if "onnxruntime" in sys.modules:
        _disable_ort(sys.modules["onnxruntime"])
    else:
        sys.meta_path.insert(0, _OnnxRuntimeTelemetryOff())


def ort_telemetry_disabled() -> bool:
    """True once onnxruntime was imported here and its telemetry switched off."""
    return _ort_disabled
