"""Pictures of outputs, drawn with OpenCV into PNG bytes (core draws; pages only show).

Colours are fixed per class index so the same class has the same colour in both panels.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

BOX_THICKNESS = 2


def class_colour(index: int) -> tuple[int, int, int]:
    """A distinct, stable BGR colour per class (golden-ratio hue steps)."""
    hue = int((index * 0.618033988749895 % 1.0) * 179)
    hsv = np.uint8([[[hue, 220, 255]]])
    b, g, r = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0]
    return int(b), int(g), int(r)


def png(image_bgr: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", image_bgr)
    if not ok:
        raise RuntimeError("OpenCV could not encode the picture as PNG")
    return data.tobytes()


def draw_boxes(view_bgr: np.ndarray, boxes: list[dict[str, Any]]) -> np.ndarray:
    """Boxes ({"box": [x1,y1,x2,y2] in view pixels, "label", "score"}) with a short caption each."""
    picture = view_bgr.copy()
    scale = max(0.35, min(picture.shape[:2]) / 640)
    for item in boxes:
        x1, y1, x2, y2 = (int(round(v)) for v in item["box"])
        colour = class_colour(int(item["label"]))
        cv2.rectangle(picture, (x1, y1), (x2, y2), colour, BOX_THICKNESS)
        caption = f"{item.get('name') or item['label']} {item['score']:.2f}"
        # The caption is ASCII-safe: OpenCV's Hershey font has no glyphs beyond ASCII.
        caption = caption.encode("ascii", "replace").decode("ascii")[:40]
        (w, h), _ = cv2.getTextSize(caption, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
        top = max(0, y1 - h - 4)
        cv2.rectangle(picture, (x1, top), (x1 + w + 2, top + h + 4), colour, -1)
        cv2.putText(picture, caption, (x1 + 1, top + h + 1), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 1, cv2.LINE_AA)
    return picture


def overlay_mask(view_bgr: np.ndarray, mask: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """Class-index mask (H,W) blended over the view, resized to it without mixing classes."""
    h, w = view_bgr.shape[:2]
    resized = cv2.resize(mask.astype(np.int32), (w, h), interpolation=cv2.INTER_NEAREST)
    palette = np.array([class_colour(i) for i in range(int(resized.max()) + 1)], dtype=np.uint8)
    colours = palette[resized]
    return cv2.addWeighted(view_bgr, 1 - alpha, colours, alpha, 0)


def heat_map(values: np.ndarray, min_side: int = 160) -> np.ndarray:
    """A 2-D array as an inferno colour map (0 = black), enlarged with hard pixel edges."""
    array = np.asarray(values, dtype=np.float32)
    top = float(array.max()) if array.size else 0.0
    scaled = np.zeros(array.shape, np.uint8) if top <= 0 else np.clip(array / top * 255, 0, 255).astype(np.uint8)
    picture = cv2.applyColorMap(scaled, cv2.COLORMAP_INFERNO)
    h, w = picture.shape[:2]
    factor = max(1, int(np.ceil(min_side / max(1, min(h, w)))))
    if factor > 1:
        picture = cv2.resize(picture, (w * factor, h * factor), interpolation=cv2.INTER_NEAREST)
    return picture
