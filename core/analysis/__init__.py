"""Where INT8 goes wrong and how to fix it (issue 14).

- `outputs`: two models' outputs side by side on the user's images (top-k, boxes, masks,
  difference maps), worst disagreement first.
- `layer_error`: per-layer relative error / cosine / SNR along the network, the layers where
  the error jumps ranked first.
- `requests`: the typed requests (`OutputsRequest`, `LayerErrorRequest`, `RequantizeRequest`):
  defaults, choices, `check()` before a job exists, and the job each becomes.
"""
