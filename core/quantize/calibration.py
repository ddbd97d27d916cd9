"""Feed NNCF our samples, and turn its calls into progress.

nncf.quantize has no progress callback, but it asks for every calibration sample through
`transform_fn`; counting those calls is the progress ("calibration sample i/N"). Raising
JobCancelled from there is also the only way to stop NNCF early from inside the process.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from core.datasets.feeding import SampleSource
from core.progress import Progress, no_progress


class CountingTransform:
    """transform_fn for nncf.Dataset(indices, ...): index -> inputs, reporting each call.

    Progress runs from `start` to `end` over `expected` calls; further calls (a second
    statistics pass, e.g. SmoothQuant) are reported as such without moving backwards.
    """

    def __init__(
        self,
        source: SampleSource,
        expected: int,
        progress: Progress = no_progress,
        start: float = 0.0,
        end: float = 1.0,
        label: str = "calibration sample",
        after: str = "bias correction and inserting quantizers (NNCF reports no progress for these)",
    ) -> None:
        self.source = source
        self.expected = max(1, expected)
        self.progress = progress
        self.start, self.end = start, end
        self.label = label
        self.after = after
        self.calls = 0

    def __call__(self, index: int) -> dict[str, Any]:
        self.calls += 1
        done_pass, in_pass = divmod(self.calls - 1, self.expected)
        fraction = self.start + (self.end - self.start) * min(1.0, self.calls / self.expected)
        suffix = f" (pass {done_pass + 1})" if done_pass else ""
        if self.calls == self.expected:
            suffix += f"; next: {self.after}"
        self.progress(fraction, f"{self.label} {in_pass + 1}/{self.expected}{suffix}")
        return self.source.inputs(index)


@contextlib.contextmanager
def nncf_output_to_stderr() -> Iterator[None]:
    """NNCF draws progress bars on stdout; `--json` output must stay parseable, so move them."""
    with contextlib.redirect_stdout(sys.stderr):
        yield


def nncf_dataset(indices: list[int], transform: Callable[[int], Any]) -> Any:
    import nncf

    return nncf.Dataset(indices, transform)


SHUFFLE_SEED = 0


def sample_order(source: SampleSource) -> list[int]:
    """A fixed shuffle of the samples, handed to NNCF as its dataset.

    NNCF calibrates on the *first* `subset_size` items; datasets arrive sorted by class
    folder, so without shuffling a subset would see only the first classes and the held-out
    samples only the last ones. A fixed seed keeps runs reproducible.
    """
    return [int(i) for i in np.random.default_rng(SHUFFLE_SEED).permutation(len(source))]


def calibration_split(source: SampleSource, subset_size: int) -> tuple[list[int], list[int]]:
    """(samples NNCF calibrates on, samples it never sees) for this subset size."""
    order = sample_order(source)
    return order[:subset_size], order[subset_size:]
