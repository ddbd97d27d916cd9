"""Two models' outputs side by side on the user's inputs: what INT8 changed, per image.

Per layout (guessed from the output shapes, or given when the shapes are ambiguous):
classification top-k with class names and confidences; detection boxes (SSD [1,1,N,7], YOLO
[1,N,4+C]/[1,4+C,N] with NMS, boxes+scores pairs); segmentation class masks; anything else
the element-wise difference as a heat-map and a histogram. Each image gets a disagreement
score, and the images come back worst first.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import cv2
import numpy as np

from core.accuracy.evaluate import compile_for_accuracy, output_names
from core.accuracy.metrics import class_scores, classifier_output_index
from core.analysis.drawing import draw_boxes, heat_map, overlay_mask, png
from core.analysis.inputs import model_view
from core.analysis.requests import Layout
from core.errors import UserError
from core.progress import Progress, no_progress

NMS_IOU = 0.45
MATCH_IOU = 0.5
HISTOGRAM_BINS = 30
MAX_BOXES = 100


# ---- guessing the layout -------------------------------------------------------------------

def guess_layout(shapes: Sequence[tuple[int, ...]]) -> Layout:
    """The layout the output shapes of one sample most likely mean (RAW when unsure)."""
    fake = [np.zeros(shape, np.float32) if np.prod(shape) < 10_000_000 else None for shape in shapes]
    if all(f is not None for f in fake) and classifier_output_index(fake) is not None:  # type: ignore[arg-type]
        return Layout.CLASSIFICATION
    if len(shapes) >= 1 and len(shapes[0]) == 4 and shapes[0][:2] == (1, 1) and shapes[0][3] == 7:
        return Layout.SSD
    if len(shapes) == 2 and _boxes_scores_order(shapes) is not None:
        return Layout.BOXES_SCORES
    if len(shapes) == 1 and len(shapes[0]) == 3 and shapes[0][0] == 1 and min(shapes[0][1:]) > 4:
        return Layout.YOLO
    if len(shapes) == 1 and len(shapes[0]) == 4 and shapes[0][0] == 1 and shapes[0][1] >= 2 and min(shapes[0][2:]) >= 4:
        return Layout.SEGMENTATION
    return Layout.RAW


def _boxes_scores_order(shapes: Sequence[tuple[int, ...]]) -> tuple[int, int] | None:
    """(boxes index, scores index) when one output is [1,N,4] and the other [1,N] or [1,N,C]."""
    for b, s in ((0, 1), (1, 0)):
        boxes, scores = shapes[b], shapes[s]
        if len(boxes) == 3 and boxes[0] == 1 and boxes[2] == 4 and len(scores) in (2, 3) and scores[:2] == boxes[:2]:
            return b, s
    return None


# ---- reading one sample's outputs -------------------------------------------------------------

def softmax_if_needed(scores: np.ndarray) -> np.ndarray:
    """Confidences: the scores themselves when they already are probabilities, else their softmax."""
    values = scores.astype(np.float64)
    if values.min() >= 0 and abs(values.sum() - 1.0) < 1e-3:
        return values
    exp = np.exp(values - values.max())
    return exp / exp.sum()


def top_k(scores: np.ndarray, k: int, names: list[str] | None) -> list[dict[str, Any]]:
    probabilities = softmax_if_needed(scores)
    order = np.argsort(-probabilities, kind="stable")[:k]
    return [{"rank": r + 1, "class": int(i), "name": names[int(i)] if names and int(i) < len(names) else str(int(i)),
             "confidence": float(probabilities[i])} for r, i in enumerate(order)]


def _scaled(box: np.ndarray, width: int, height: int) -> list[float]:
    """x1,y1,x2,y2 in view pixels; normalised (0..1) coordinates are recognised and scaled."""
    if float(np.abs(box).max(initial=0)) <= 1.5:
        box = box * np.array([width, height, width, height], dtype=np.float64)
    return [float(np.clip(box[0], 0, width - 1)), float(np.clip(box[1], 0, height - 1)),
            float(np.clip(box[2], 0, width - 1)), float(np.clip(box[3], 0, height - 1))]


def ssd_boxes(output: np.ndarray, threshold: float, width: int, height: int, names: list[str] | None) -> list[dict[str, Any]]:
    """[1,1,N,7] rows (image_id, label, confidence, x_min, y_min, x_max, y_max); image_id -1 ends the list."""
    rows = output.reshape(-1, 7)
    boxes = []
    for row in rows:
        if row[0] < 0:
            break
        if row[2] < threshold:
            continue
        label = int(row[1])
        boxes.append({"label": label, "name": _name(label, names), "score": float(row[2]),
                      "box": _scaled(row[3:7].astype(np.float64), width, height)})
    return sorted(boxes, key=lambda b: -b["score"])[:MAX_BOXES]


def _nms(boxes_xyxy: np.ndarray, scores: np.ndarray, labels: np.ndarray, threshold: float,
         names: list[str] | None, width: int, height: int) -> list[dict[str, Any]]:
    keep = scores >= threshold
    boxes_xyxy, scores, labels = boxes_xyxy[keep], scores[keep], labels[keep]
    if not len(scores):
        return []
    xywh = [[float(b[0]), float(b[1]), float(b[2] - b[0]), float(b[3] - b[1])] for b in boxes_xyxy]
    chosen = cv2.dnn.NMSBoxesBatched(xywh, scores.astype(float).tolist(), labels.astype(int).tolist(), threshold, NMS_IOU)
    result = [{"label": int(labels[i]), "name": _name(int(labels[i]), names), "score": float(scores[i]),
               "box": _scaled(boxes_xyxy[i].astype(np.float64), width, height)} for i in np.asarray(chosen).reshape(-1)]
    return sorted(result, key=lambda b: -b["score"])[:MAX_BOXES]


def yolo_boxes(output: np.ndarray, threshold: float, width: int, height: int, names: list[str] | None) -> list[dict[str, Any]]:
    """[1,N,4+C] or [1,4+C,N] (the shorter axis holds box + class scores): cx, cy, w, h, scores."""
    rows = output[0]
    if rows.shape[0] < rows.shape[1]:
        rows = rows.T
    if rows.shape[1] < 5:
        raise UserError(f"A YOLO-style output needs 4 box values and class scores; this one has {rows.shape[1]} values per box.")
    centre, size, classes = rows[:, :2], rows[:, 2:4], rows[:, 4:]
    boxes = np.concatenate([centre - size / 2, centre + size / 2], axis=1)
    return _nms(boxes, classes.max(axis=1), classes.argmax(axis=1), threshold, names, width, height)


def pair_boxes(outputs: list[np.ndarray], order: tuple[int, int], threshold: float, width: int, height: int,
               names: list[str] | None) -> list[dict[str, Any]]:
    boxes, scores = outputs[order[0]][0], outputs[order[1]][0]
    if scores.ndim == 1:
        labels, confidence = np.zeros(len(scores), int), scores
    else:
        labels, confidence = scores.argmax(axis=1), scores.max(axis=1)
    return _nms(boxes, confidence, labels, threshold, names, width, height)


def _name(label: int, names: list[str] | None) -> str:
    return names[label] if names and 0 <= label < len(names) else str(label)


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def box_agreement(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> float:
    """Share of boxes matched one-to-one (same class, IoU >= 0.5): 1 = the same detections."""
    if not a and not b:
        return 1.0
    used: set[int] = set()
    matched = 0
    for box in a:
        best, best_iou = None, MATCH_IOU
        for j, other in enumerate(b):
            if j not in used and other["label"] == box["label"]:
                value = iou(box["box"], other["box"])
                if value >= best_iou:
                    best, best_iou = j, value
        if best is not None:
            used.add(best)
            matched += 1
    return matched / max(len(a), len(b))


def difference_summary(a: np.ndarray, b: np.ndarray) -> dict[str, Any]:
    """Element-wise difference of one output (b - a): statistics, histogram and a 2-D heat-map."""
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    diff = b64 - a64
    norm = float(np.linalg.norm(a64))
    counts, edges = np.histogram(diff, bins=HISTOGRAM_BINS)
    magnitude = np.abs(diff)
    if magnitude.ndim >= 2 and min(magnitude.shape[-2:]) > 1:
        plane = magnitude.reshape(-1, *magnitude.shape[-2:]).mean(axis=0)
    else:
        flat = magnitude.reshape(-1)
        side = int(math.ceil(math.sqrt(flat.size)))
        plane = np.zeros(side * side)
        plane[: flat.size] = flat
        plane = plane.reshape(side, side)
    return {
        "shape": list(a.shape), "max_abs_diff": float(magnitude.max(initial=0.0)), "mean_abs_diff": float(magnitude.mean()),
        "relative_error": float(np.linalg.norm(diff) / norm) if norm > 0 else float(np.linalg.norm(diff) > 0),
        "histogram": {"counts": counts.tolist(), "edges": edges.tolist()}, "heat_map": plane,
    }


def input_size(inputs: dict[str, np.ndarray]) -> tuple[int, int]:
    """(width, height) of the first image-shaped input tensor (tensor data without pictures, e.g. .npz)."""
    for tensor in inputs.values():
        if tensor.ndim == 4:
            return (tensor.shape[3], tensor.shape[2]) if tensor.shape[1] in (1, 3) else (tensor.shape[2], tensor.shape[1])
    return 1, 1


# ---- the comparison ------------------------------------------------------------------------

Save = Callable[[str, bytes], str]  # (file name, PNG bytes) -> where it was stored


def _compare_sample(layout: Layout, outs_a: list[np.ndarray], outs_b: list[np.ndarray], names_out: list[str],
                    view: np.ndarray | None, classes: list[str] | None, request: Any, size: tuple[int, int],
                    save: Save, stem: str) -> dict[str, Any]:
    width, height = size
    item: dict[str, Any] = {}
    if layout == Layout.CLASSIFICATION:
        index = classifier_output_index(outs_a)
        if index is None:
            raise UserError("No single class-score output ([1,C]) was found.", "Choose another output layout.")
        sa, sb = class_scores(outs_a[index]), class_scores(outs_b[index])
        ka, kb = top_k(sa, request.top_k, classes), top_k(sb, request.top_k, classes)  # type: ignore[arg-type]
        pa, pb = softmax_if_needed(sa), softmax_if_needed(sb)  # type: ignore[arg-type]
        same = ka[0]["class"] == kb[0]["class"]
        item.update(a=ka, b=kb, top1_same=same, disagreement=float(not same) + 0.5 * float(np.abs(pa - pb).sum()))
        if view is not None:
            item["picture"] = save(f"{stem}-view.png", png(view))
    elif layout in (Layout.SSD, Layout.YOLO, Layout.BOXES_SCORES):
        def boxes(outs: list[np.ndarray]) -> list[dict[str, Any]]:
            if layout == Layout.SSD:
                return ssd_boxes(outs[0], request.threshold, width, height, classes)
            if layout == Layout.YOLO:
                return yolo_boxes(outs[0], request.threshold, width, height, classes)
            order = _boxes_scores_order([tuple(o.shape) for o in outs])
            if order is None:
                raise UserError("The outputs are not a boxes [1,N,4] + scores [1,N(,C)] pair.", "Choose another layout.")
            return pair_boxes(outs, order, request.threshold, width, height, classes)

        ba, bb = boxes(outs_a), boxes(outs_b)
        agreement = box_agreement(ba, bb)
        item.update(a=ba, b=bb, box_agreement=agreement, disagreement=1.0 - agreement)
        if view is not None:
            item["picture_a"] = save(f"{stem}-a.png", png(draw_boxes(view, ba)))
            item["picture_b"] = save(f"{stem}-b.png", png(draw_boxes(view, bb)))
    elif layout == Layout.SEGMENTATION:
        ma, mb = outs_a[0][0].argmax(axis=0), outs_b[0][0].argmax(axis=0)
        agreement = float((ma == mb).mean())
        classes_a = {int(c): int(n) for c, n in zip(*np.unique(ma, return_counts=True))}
        classes_b = {int(c): int(n) for c, n in zip(*np.unique(mb, return_counts=True))}
        item.update(pixel_agreement=agreement, disagreement=1.0 - agreement,
                    a=[{"class": c, "name": _name(c, classes), "pixels": n} for c, n in sorted(classes_a.items())],
                    b=[{"class": c, "name": _name(c, classes), "pixels": n} for c, n in sorted(classes_b.items())])
        base = view if view is not None else np.zeros((*ma.shape, 3), np.uint8)
        item["picture_a"] = save(f"{stem}-a.png", png(overlay_mask(base, ma)))
        item["picture_b"] = save(f"{stem}-b.png", png(overlay_mask(base, mb)))
        item["picture_diff"] = save(f"{stem}-diff.png", png(heat_map((ma != mb).astype(np.float32))))
    else:
        diffs = []
        for n, (oa, ob) in enumerate(zip(outs_a, outs_b)):
            summary = difference_summary(oa, ob)
            summary["output"] = names_out[n]
            summary["heat_map"] = save(f"{stem}-out{n}.png", png(heat_map(summary.pop("heat_map"))))
            diffs.append(summary)
        item.update(outputs=diffs, disagreement=float(np.mean([d["relative_error"] for d in diffs])) if diffs else 0.0)
        if view is not None:
            item["picture"] = save(f"{stem}-view.png", png(view))
    return item


def compare_outputs(request: Any, source_a: Any, source_b: Any, model_a: Any, model_b: Any,
                    save: Save, classes: list[str] | None = None, progress: Progress = no_progress) -> dict[str, Any]:
    """Run both models on the request's samples; per image results, worst disagreement first."""
    started = time.perf_counter()
    compiled_a, compiled_b = compile_for_accuracy(model_a), compile_for_accuracy(model_b)
    if len(compiled_a.outputs) != len(compiled_b.outputs):
        raise UserError(f"The models have {len(compiled_a.outputs)} and {len(compiled_b.outputs)} outputs; "
                        "their outputs cannot be compared.")
    request_a, request_b = compiled_a.create_infer_request(), compiled_b.create_infer_request()
    names_out = output_names(compiled_a)
    count = min(len(source_a), int(request.limit))
    layout: Layout = Layout(request.layout)
    spec = getattr(source_a, "spec", None)
    items = []
    for n in range(count):
        progress(n / count, f"sample {n + 1}/{count}")
        inputs = source_a.inputs(n)
        request_a.infer(inputs)
        request_b.infer(source_b.inputs(n))
        outs_a = [request_a.get_output_tensor(i).data.copy() for i in range(len(names_out))]
        outs_b = [request_b.get_output_tensor(i).data.copy() for i in range(len(names_out))]
        if layout == Layout.AUTO:
            layout = guess_layout([tuple(o.shape) for o in outs_a])
        view = model_view(source_a.image(n), spec) if spec is not None and hasattr(source_a, "image") else None
        size = (view.shape[1], view.shape[0]) if view is not None else input_size(inputs)
        item = _compare_sample(layout, outs_a, outs_b, names_out, view, classes, request, size, save, f"sample{n}")
        item.update(index=n, name=source_a.name(n))
        label = source_a.label(n)
        if label is not None:
            item["label"] = int(label)
            item["label_name"] = _name(int(label), classes)
        items.append(item)
    items.sort(key=lambda i: -i["disagreement"])
    progress(1.0, "outputs compared")
    summary: dict[str, Any] = {"samples": len(items), "layout": str(layout), "outputs": names_out,
                               "mean_disagreement": float(np.mean([i["disagreement"] for i in items])) if items else 0.0}
    if layout == Layout.CLASSIFICATION:
        summary["top1_agreement"] = float(np.mean([i["top1_same"] for i in items])) if items else None
    elif layout in (Layout.SSD, Layout.YOLO, Layout.BOXES_SCORES):
        summary["box_agreement"] = float(np.mean([i["box_agreement"] for i in items])) if items else None
    elif layout == Layout.SEGMENTATION:
        summary["pixel_agreement"] = float(np.mean([i["pixel_agreement"] for i in items])) if items else None
    return {**summary, "items": items, "seconds": time.perf_counter() - started, "inference_precision": "f32"}
