"""Accuracy with or without labels: top-1/top-5, or agreement with the FP32 parent.

- `evaluate(model, source, indices, reference)`: the full report for ov.Models.
- `measure_accuracy(xml, dataset_id, reference_xml)`: the same from files (CLI).
- `headline(report)`: the one figure to compare (top1, top1_agreement or cosine).
"""

from core.accuracy.evaluate import evaluate, headline
from core.accuracy.measure import measure_accuracy

__all__ = ["evaluate", "headline", "measure_accuracy"]
