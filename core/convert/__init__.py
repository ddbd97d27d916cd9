"""Convert imported models to OpenVINO IR: shapes, cuts, layout, mean/scale/reverse
(Model Optimizer semantics, recorded in rt_info — see core/rtinfo.py), FP16 weights, and the
ONNX Runtime vs OpenVINO conversion check.

Entry points: `convert_model_to_variant(model_id, options)` for an imported model,
`import_and_convert(paths, name, options)` from files in one call, the job function
`core.convert.jobs:convert_job`, and `convert_to_ir` for files without the database.
"""

from core.convert.options import ConvertOptions, InputSpec
from core.convert.service import convert_model_to_variant, import_and_convert

__all__ = ["ConvertOptions", "InputSpec", "convert_model_to_variant", "import_and_convert"]
