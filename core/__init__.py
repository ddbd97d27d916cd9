"""OV Workbench library: every piece of model work lives here, UI-free.

Pages (Streamlit) and the CLI (`python -m core`) are thin callers of this package, so
anything a user can do in the browser can be scripted and tested without a browser.
"""

__version__ = "0.1.0"

# Before anything imports OpenVINO's converter, NNCF or ONNX Runtime (see core/telemetry.py).
from core.telemetry import disable_telemetry as _disable_telemetry  # noqa: E402

_disable_telemetry()
