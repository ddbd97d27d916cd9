"""The request of the import step: files the page staged (or paths on the CLI) become a model.

The page stages each upload the moment it arrives (`stage_uploads`: Streamlit keeps uploads
only while the widget lives) and the Import button turns the staged folder into an
`ImportRequest`, whose job reads and validates the model outside the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from core.errors import UserError
from core.importer.storage import store_stream
from core.requests import JobSpec, Request, option
from core.workspace import new_artifact_dir, remove_artifact_dir, resolve, to_relative

IMPORT_ENTRYPOINT = "core.importer.jobs:import_job"


@dataclass(kw_only=True)
class ImportRequest(Request):
    """Import the files of a staged upload folder (workspace-relative) as one or more models."""

    KIND = "import"
    ENTRYPOINT = IMPORT_ENTRYPOINT

    upload_dir: str | None = None  # the page's staged folder; the CLI imports paths directly
    name: str | None = option(None, label="Model name (optional)", help="model name (default: the file name)")

    def __post_init__(self) -> None:
        self.name = (self.name or "").strip() or None
        super().__post_init__()

    def check(self) -> None:
        super().check()
        if self.upload_dir is None or not resolve(self.upload_dir).is_dir():
            raise UserError("Nothing staged to import.", "Upload the model files first.")

    def job(self) -> JobSpec:
        names = sorted(p.name for p in resolve(self.upload_dir or "").iterdir())
        return JobSpec(kind=self.KIND, entrypoint=self.ENTRYPOINT, params=self.to_params(),
                       target=", ".join(names)[:200])


class Upload(Protocol):
    """What a browser upload offers (Streamlit's UploadedFile): an id, a name, a stream."""

    file_id: str
    name: str

    def read(self, size: int = -1) -> bytes: ...


def stage_uploads(staged: dict[str, Any] | None, uploads: list[Upload]) -> tuple[dict[str, Any] | None, UserError | None]:
    """Bring the staged folder in line with what the uploader holds now: new files are written
    at once (chunked), removed ones deleted; a stage left empty is removed (None).

    `staged` is {"folder": workspace-relative, "files": {file_id: stored name}}; returns the new
    one and the first error of a file that could not be stored (the others are kept).
    Abandoned stages (a closed tab) are swept by age (core.storage).
    """
    staged = staged or {"folder": to_relative(new_artifact_dir("uploads")), "files": {}}
    staged = {"folder": staged["folder"], "files": dict(staged["files"])}
    folder = resolve(staged["folder"])
    current = {upload.file_id for upload in uploads}
    for file_id, stored_name in list(staged["files"].items()):
        if file_id not in current:  # removed from the uploader: remove it from the stage too
            (folder / stored_name).unlink(missing_ok=True)
            del staged["files"][file_id]
    error = None
    for upload in uploads:
        if upload.file_id in staged["files"]:
            continue
        try:
            staged["files"][upload.file_id] = store_stream(upload, upload.name, folder).name  # type: ignore[arg-type]
        except UserError as exc:
            error = error or exc
    if not staged["files"]:
        remove_artifact_dir(folder)
        return None, error
    return staged, error
