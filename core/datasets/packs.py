"""Sample packs: the samples a measurement on another machine needs, in one file that travels.

A remote target has no database and no view of the app's workspace, so a dataset cannot be
opened there by id. The app packs what the measurement will read — for an image dataset the
image files as they were uploaded (still encoded: a few KB each, preprocessed on the target by
the same code, with the same PreprocessSpec), for a tensor dataset the array rows — together
with labels, file names and class names, and sends that one file, content-addressed
(core/targets/remote.py). The same samples give the same pack bytes (fixed zip timestamps),
so a target keeps a pack it already holds and the second measurement sends nothing.

The pack is a .npz with plain arrays only (read with allow_pickle=False): `meta` is JSON as
uint8, `file/<n>` an encoded image, `input/<name>` a tensor input's rows. `PackedSource` reads
it as a SampleSource, so `evaluate` and the benchmark's input sets consume it unchanged.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from core.datasets.feeding import ImageSource, NpzSource, SampleSource
from core.datasets.preprocessing import PreprocessSpec, preprocess_image
from core.errors import UserError
from core.workspace import new_artifact_dir, remove_artifact_dir

PACK_VERSION = 1
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip entries without a clock: equal samples, equal bytes


def _add_array(archive: zipfile.ZipFile, name: str, array: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
    archive.writestr(zipfile.ZipInfo(f"{name}.npy", date_time=_FIXED_TIME), buffer.getvalue())


def write_pack(source: SampleSource, indices: Sequence[int], path: Path) -> dict[str, Any]:
    """Write the samples `indices` of `source` (an opened, checked dataset source) to `path`.

    Returns the pack's meta. Random data needs no pack (the target makes its own noise)."""
    if not isinstance(source, (ImageSource, NpzSource)):
        raise TypeError(f"{type(source).__name__} is not a dataset that can be packed")
    indices = [int(i) for i in indices]
    if not indices:
        raise UserError("There are no samples to send.")
    meta: dict[str, Any] = {
        "version": PACK_VERSION,
        "kind": source.kind,
        "dataset_id": source.dataset_id,
        "indices": indices,
        "names": [source.name(i) for i in indices],
        "labels": [list(source.labels(i)) for i in indices],
        "classes": source.classes,
        "class_names": source.class_names,
        "ignored_labels": source.ignored_labels,
        "spec": source.spec.to_dict() if isinstance(source, ImageSource) else None,
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        if isinstance(source, ImageSource):
            for n, index in enumerate(indices):
                raw = np.fromfile(source.root / source.manifest.files[index], dtype=np.uint8)
                _add_array(archive, f"file/{n}", raw)
        else:
            meta["inputs"] = sorted(source.arrays)
            for name in meta["inputs"]:
                _add_array(archive, f"input/{name}", source.arrays[name][indices])
        _add_array(archive, "meta", np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8))
    return meta


@contextmanager
def packed_samples(source: SampleSource, indices: Sequence[int]) -> Iterator[Path]:
    """A pack of these samples in a scratch folder of the workspace, removed afterwards (the
    target keeps its own copy by digest; here the dataset itself stays the source of truth)."""
    folder = new_artifact_dir("tmp")
    try:
        path = folder / "samples.npz"
        write_pack(source, indices, path)
        yield path
    finally:
        remove_artifact_dir(folder)


class PackedSource(SampleSource):
    """The samples of a pack, as the dataset source they were packed from would give them."""

    def __init__(self, path: Path) -> None:  # no Dataset row here: the meta stands in for it
        try:
            self._npz = np.load(Path(path), allow_pickle=False)
            meta = json.loads(bytes(self._npz["meta"]).decode())
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise UserError(f"The sample pack {Path(path).name} cannot be read: {exc}.",
                            "Run the job again: the app sends it anew.") from None
        if meta.get("version") != PACK_VERSION:
            raise UserError(f"The sample pack has version {meta.get('version')}, this code reads {PACK_VERSION}.",
                            "Update the target's OV Workbench to the app's version.")
        self.meta = meta
        self.kind = str(meta["kind"])
        self.dataset_id = meta.get("dataset_id")
        self.classes = meta.get("classes")
        self.class_names = meta.get("class_names")
        self.ignored_labels = meta.get("ignored_labels")
        self.spec = PreprocessSpec.from_dict(meta["spec"]) if meta.get("spec") else None
        self._arrays = {name: self._npz[f"input/{name}"] for name in meta.get("inputs") or []}

    def __len__(self) -> int:
        return len(self.meta["names"])

    def inputs(self, index: int) -> dict[str, np.ndarray]:
        if self.spec is not None:
            image = cv2.imdecode(self._npz[f"file/{index}"], cv2.IMREAD_COLOR)
            if image is None:
                raise UserError(f"The image {self.name(index)} cannot be decoded.")
            return {self.spec.input_name: preprocess_image(image, self.spec)}
        return {name: array[index : index + 1] for name, array in self._arrays.items()}

    def _labels(self, index: int) -> tuple[int, ...]:
        return tuple(int(c) for c in self.meta["labels"][index])

    def name(self, index: int) -> str:
        return str(self.meta["names"][index])

    def describe(self) -> dict[str, Any]:
        described = super().describe()
        if self.spec is not None:
            described["preprocessing"] = self.spec.to_dict()
        return described
