"""A dataset uploaded in the browser: streamed to a staging file, unpacked and checked by a job.

Unpacking an archive and decoding every image is long, memory-hungry work on untrusted data;
it runs in a job (a child process of a Dask worker), never in the page script. The staging
copy is only needed until the dataset is imported, so the job deletes it whatever happens;
abandoned stages (a killed job, a closed tab) are swept by age (core.storage).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, BinaryIO

from core.errors import UserError
from core.jobs import JobContext
from core.requests import JobSpec, Request
from core.workspace import new_artifact_dir, remove_artifact_dir, resolve, to_relative

DATASET_UPLOAD_ENTRYPOINT = "core.datasets.uploads:dataset_upload_job"
STAGING_MARKER = ".staging"  # an uploads/ folder holding this is a stage nothing owns yet
COPY_CHUNK = 1024 * 1024


def upload_suffix(file_name: str) -> str:
    lower = file_name.lower()
    for suffix in (".tar.gz", ".tgz", ".tar", ".zip", ".npz"):
        if lower.endswith(suffix):
            return ".tar.gz" if suffix == ".tgz" else suffix
    raise UserError(f"{file_name} is neither an image archive (.zip, .tar, .tar.gz) nor a .npz.",
                    "Upload a zip of a folder of images, or a .npz of tensors.")


def stage_dataset_upload(stream: BinaryIO, file_name: str) -> str:
    """Copy the upload to `uploads/<uuid>/upload<suffix>` in chunks; its workspace-relative path.

    The user's file name is only used for its suffix (the stored name is generated).
    """
    from core.importer.storage import upload_limit_bytes

    suffix = upload_suffix(file_name)
    folder = new_artifact_dir("uploads")
    (folder / STAGING_MARKER).write_text("dataset\n")
    target = folder / f"upload{suffix}"
    remaining = upload_limit_bytes()
    try:
        with open(target, "wb") as out:
            while chunk := stream.read(COPY_CHUNK):
                remaining -= len(chunk)
                if remaining < 0:
                    raise UserError("The upload is larger than the upload limit.", "Raise OVWB_MAX_UPLOAD_MB to accept it.")
                out.write(chunk)
    except BaseException:
        remove_artifact_dir(folder)
        raise
    return to_relative(target)


def dataset_upload_job(ctx: JobContext, upload: str, name: str) -> dict[str, Any]:
    """Import the staged upload as a dataset, then delete the stage (also when it fails)."""
    from core.datasets.catalog import dataset_to_dict, get_dataset, import_dataset

    path = resolve(upload)
    stage = path.parent
    if stage.parent.name != "uploads" or not (stage / STAGING_MARKER).is_file():
        raise UserError(f"{upload} is not a staged dataset upload.")
    try:
        ctx.progress(None, "Unpacking and checking every image")
        dataset_id = import_dataset(path, name)
    finally:
        remove_artifact_dir(stage)
    info = dataset_to_dict(get_dataset(dataset_id))
    ctx.log("imported dataset %s (%s items)", dataset_id, info["items"])
    return {"dataset_id": dataset_id, "name": info["name"], "items": info["items"], "kind": info["kind"]}


@dataclass(kw_only=True)
class DatasetUploadRequest(Request):
    """Import a staged upload (`stage_dataset_upload`) as a dataset: the job the page starts."""

    KIND = "dataset"
    ENTRYPOINT = DATASET_UPLOAD_ENTRYPOINT

    upload: str  # workspace-relative path of the staged file
    name: str

    def job(self) -> JobSpec:
        return JobSpec(kind=self.KIND, entrypoint=self.ENTRYPOINT, params=self.to_params(),
                       target=f"dataset {self.name}"[:200])
