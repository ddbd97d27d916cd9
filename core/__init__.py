"""OV Workbench library: every piece of model work lives here, UI-free.

Pages (Streamlit) and the CLI (`python -m core`) are thin callers of this package, so
anything a user can do in the browser can be scripted and tested without a browser.
"""

__version__ = "0.1.0"
