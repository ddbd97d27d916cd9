"""Accuracy numbers that need no framework: top-k against labels, and agreement with a reference.

Agreement is what makes accuracy available to every user: without annotations, an optimized
model is compared with its FP32 parent on the same inputs (same top-1 class? how close are the
output tensors?). Accumulators are streaming, so outputs are never all held in memory.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def class_scores(output: np.ndarray) -> np.ndarray | None:
    """Scores of a classifier output for one sample ([1,C] or [1,C,1,1]), else None."""
    squeezed = np.asarray(output).reshape(output.shape[0], -1) if output.ndim >= 2 else None
    if squeezed is None or output.shape[0] != 1:
        return None
    if output.ndim > 2 and any(d != 1 for d in output.shape[2:]):
        return None
    return squeezed[0] if squeezed.shape[1] >= 2 else None


def classifier_output_index(outputs: list[np.ndarray]) -> int | None:
    """The output that carries class scores, when exactly one does (else not a classifier)."""
    candidates = [i for i, out in enumerate(outputs) if class_scores(out) is not None]
    return candidates[0] if len(candidates) == 1 else None


def acceptable(label: int | Iterable[int]) -> set[int]:
    """A label as the set of right answers: one class, or several (any of them is right)."""
    if isinstance(label, (int, np.integer)):
        return {int(label)}
    return {int(x) for x in label}


def top_k_hit(scores: np.ndarray, label: int | Iterable[int], k: int) -> bool:
    """Is any acceptable class among the k best scores?

    Ties are broken like np.argmax (lowest index first), so a top-1 hit is always a top-5 hit.
    """
    if k >= scores.shape[0]:
        return True
    top = np.argsort(-scores, kind="stable")[:k]
    return bool(acceptable(label) & {int(t) for t in top})


def confidence(scores: np.ndarray) -> float:
    """The top-1 class's probability: the scores themselves when they already are probabilities
    (a softmax inside the model), else their softmax (logits)."""
    values = np.asarray(scores, dtype=np.float64)
    if values.min() >= 0 and values.max() <= 1 and abs(values.sum() - 1) < 1e-3:
        return float(values.max())
    shifted = np.exp(values - values.max())
    return float(1.0 / shifted.sum())


@dataclass
class LabelAccuracy:
    """Running top-1/top-5 against labels; a label may be a set (a hit is any of its classes)."""

    samples: int = 0
    top1_hits: int = 0
    top5_hits: int = 0
    classes: int = 0

    def add(self, scores: np.ndarray, label: int | Iterable[int]) -> bool:
        self.samples += 1
        self.classes = scores.shape[0]
        hit = int(np.argmax(scores)) in acceptable(label)
        self.top1_hits += hit
        self.top5_hits += top_k_hit(scores, label, 5)
        return hit

    def result(self) -> dict[str, Any]:
        if not self.samples:
            return {}
        data: dict[str, Any] = {"samples": self.samples, "top1": self.top1_hits / self.samples}
        if self.classes > 5:  # with 5 or fewer classes top-5 is always 1.0: meaningless
            data["top5"] = self.top5_hits / self.samples
        return data


@dataclass
class TensorAgreement:
    """Running comparison of one output with the reference model's same output."""

    samples: int = 0
    cosine_sum: float = 0.0
    cosine_min: float = 1.0
    max_abs_diff: float = 0.0
    squared_error_sum: float = 0.0
    elements: int = 0
    reference_min: float = math.inf
    reference_max: float = -math.inf

    def add(self, output: np.ndarray, reference: np.ndarray) -> float:
        a = np.asarray(output, dtype=np.float64).ravel()
        b = np.asarray(reference, dtype=np.float64).ravel()
        if a.shape != b.shape:
            raise ValueError(f"output shapes differ: {output.shape} vs {reference.shape}")
        norm = float(np.linalg.norm(a) * np.linalg.norm(b))
        cosine = float(a @ b / norm) if norm > 0 else (1.0 if np.array_equal(a, b) else 0.0)
        diff = a - b
        self.samples += 1
        self.cosine_sum += cosine
        self.cosine_min = min(self.cosine_min, cosine)
        self.max_abs_diff = max(self.max_abs_diff, float(np.abs(diff).max(initial=0.0)))
        self.squared_error_sum += float(diff @ diff)
        self.elements += a.size
        if b.size:
            self.reference_min = min(self.reference_min, float(b.min()))
            self.reference_max = max(self.reference_max, float(b.max()))
        return cosine

    def result(self) -> dict[str, Any]:
        if not self.samples:
            return {}
        mse = self.squared_error_sum / max(1, self.elements)
        peak = self.reference_max - self.reference_min
        psnr = math.inf if mse == 0 else (10 * math.log10(peak**2 / mse) if peak > 0 else -math.inf)
        return {
            "samples": self.samples,
            "cosine_mean": self.cosine_sum / self.samples,
            "cosine_min": self.cosine_min,
            "max_abs_diff": self.max_abs_diff,
            "mse": mse,
            # JSON has no infinity: PSNR of identical outputs is null with `identical: true`
            # (and null without it when the reference is constant, so PSNR is undefined).
            "psnr_db": psnr if math.isfinite(psnr) else None,
            "identical": mse == 0,
        }


@dataclass
class Top1Agreement:
    samples: int = 0
    same: int = 0

    def add(self, scores: np.ndarray, reference_scores: np.ndarray) -> bool:
        self.samples += 1
        agree = int(np.argmax(scores)) == int(np.argmax(reference_scores))
        self.same += agree
        return agree

    def result(self) -> float | None:
        return self.same / self.samples if self.samples else None


@dataclass
class AgreementReport:
    """Per-output tensor agreement plus top-1 agreement for classifiers."""

    outputs: dict[str, TensorAgreement] = field(default_factory=dict)
    top1: Top1Agreement = field(default_factory=Top1Agreement)

    def add(self, names: list[str], outputs: list[np.ndarray], references: list[np.ndarray]) -> float:
        """Returns this sample's score (top-1 agreement if classifier, else mean cosine)."""
        cosines = [self.outputs.setdefault(n, TensorAgreement()).add(o, r) for n, o, r in zip(names, outputs, references)]
        index = classifier_output_index(references)
        if index is not None:
            return float(self.top1.add(class_scores(outputs[index]), class_scores(references[index])))  # type: ignore[arg-type]
        return float(np.mean(cosines)) if cosines else 0.0

    def result(self) -> dict[str, Any]:
        data: dict[str, Any] = {"outputs": {name: acc.result() for name, acc in self.outputs.items()}}
        if self.top1.samples:
            data["top1_agreement"] = self.top1.result()
        return data
