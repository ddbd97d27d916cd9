"""`python -m core.convert.references.child IO_DIR`: run one original model in its own framework.

IO_DIR holds request.json ({kind, module, model, inputs, outputs}) and inputs.npz (in0, in1 ...
in the order of `inputs`); this writes outputs.npz (out0 ...) and answer.json ({names, runtime})
or answer.json with {"error": ...}. Only numpy and the framework are imported here, so OpenVINO
and the framework never share a process.
"""

from __future__ import annotations

import importlib
import json
import sys
import traceback
from pathlib import Path

RUNNERS = {
    "tflite": "core.convert.references.tflite",
    "paddle": "core.convert.references.paddle",
    "tensorflow": "core.convert.references.tensorflow",
}


def main(io_dir: Path) -> int:
    import numpy as np

    request = json.loads((io_dir / "request.json").read_text())
    try:
        with np.load(io_dir / "inputs.npz") as data:
            feed = {name: data[f"in{index}"] for index, name in enumerate(request["inputs"])}
        runner = importlib.import_module(RUNNERS[request["kind"]])
        outputs, runtime = runner.run(request["module"], Path(request["model"]), feed, request["outputs"])
    except Exception as exc:  # reported to the parent as one sentence; the trace goes to stderr
        traceback.print_exc()
        (io_dir / "answer.json").write_text(json.dumps({"error": f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ''}"}))
        return 1
    names = list(outputs)
    np.savez(io_dir / "outputs.npz", **{f"out{index}": np.asarray(outputs[name]) for index, name in enumerate(names)})
    (io_dir / "answer.json").write_text(json.dumps({"names": names, "runtime": runtime}))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
