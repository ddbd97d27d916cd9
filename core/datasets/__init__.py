"""Calibration and validation data: upload once, reuse; preprocessing pre-filled from the model.

- `import_dataset(path)`: a folder, zip/tar of images (labelled by a `val.txt`/CSV annotation
  file — several acceptable classes per image allowed —, class-index folders `0/ 1/ 207/`, or
  class-name folders + labels file; flat = unlabelled) or a `.npz` (one array per input name,
  optional `labels`) → Dataset id.
- `dataset_problem(dataset, model)` (fitness): why a dataset cannot belong to a model (class
  count, class indices, task, input), so it is refused before anything is scored.
- `spec_from_model(model)`: OpenCV preprocessing settings for an ov.Model, respecting
  normalisation our convert embedded into the IR.
- `open_source(dataset_id, model, spec)`: checked, lazily produced samples for that model.
- `preview_samples(source)`: what the model will see, for a look before a long job.
"""

from core.datasets.catalog import (
    dataset_to_dict,
    get_dataset,
    import_dataset,
    list_datasets,
    resolve_dataset_argument,
)
from core.datasets.feeding import (
    MIN_SAMPLES,
    RANDOM_DATA_WARNING,
    ImageSource,
    NpzSource,
    RandomSource,
    SampleSource,
    open_source,
)
from core.datasets.preprocessing import PreprocessSpec, parse_floats, preprocess_image, spec_from_model
from core.datasets.preview import preview_samples

__all__ = [
    "MIN_SAMPLES",
    "RANDOM_DATA_WARNING",
    "ImageSource",
    "NpzSource",
    "PreprocessSpec",
    "RandomSource",
    "SampleSource",
    "dataset_to_dict",
    "get_dataset",
    "import_dataset",
    "list_datasets",
    "open_source",
    "parse_floats",
    "preprocess_image",
    "preview_samples",
    "resolve_dataset_argument",
    "spec_from_model",
]
