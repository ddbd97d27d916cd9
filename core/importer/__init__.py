"""Bring models into the workspace: store uploads, unpack archives safely, find models.

`import_paths(paths, name)` is the one call for the CLI and for other features (the
first-run sample); the page writes browser uploads with `store_uploads` and runs
`import_stored` as a job. See formats.py for what is recognised and archives.py for the
archive safety rules.
"""

from core.importer.formats import SourceModel, detect_models, source_for_path
from core.importer.frontends import format_support, read_source_model, torch_installed
from core.importer.service import import_paths, import_stored, source_of_model, store_uploads

__all__ = [
    "SourceModel",
    "detect_models",
    "format_support",
    "import_paths",
    "import_stored",
    "read_source_model",
    "source_for_path",
    "source_of_model",
    "store_uploads",
    "torch_installed",
]
