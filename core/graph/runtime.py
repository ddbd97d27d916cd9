"""The runtime (executed) graph: what the CPU plugin actually runs after fusing and reordering.

Each runtime node names the IR nodes it was made from (`originalLayersNames`); we keep that
link both ways so a click on a kernel shows its IR nodes and a click on an IR node shows the
kernel that runs it, with its runtime precision.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from core.benchmark.profile_rows import rt_value
from core.graph.model import Edge, Graph, Node
from core.ov_core import core_instance, read_model
from core.system_info import package_version
from core.workspace import workspace_root

RT_KEYS = ("layerType", "execOrder", "runtimePrecision", "outputPrecisions", "primitiveType", "outputLayouts")
RUNTIME_CACHE_VERSION = 1



def runtime_graph_from_compiled(compiled: Any, name: str) -> Graph:
    ops = compiled.get_runtime_model().get_ordered_ops()
    ids = {op.get_instance_id(): f"rt{i}" for i, op in enumerate(ops)}
    nodes: list[Node] = []
    edges: list[Edge] = []
    for i, op in enumerate(ops):
        info = op.get_rt_info()
        rt = {key: rt_value(info, key) for key in RT_KEYS}
        originals = [n for n in rt_value(info, "originalLayersNames").split(",") if n]
        exec_time = rt_value(info, "execTimeMcs")
        node_id = f"rt{i}"
        inputs = []
        for port, inp in enumerate(op.inputs()):
            source = inp.get_source_output()
            source_id = ids[source.get_node().get_instance_id()]
            record = {"port": port, "source": source_id, "source_port": source.get_index(),
                      "shape": str(source.get_partial_shape()), "element_type": source.get_element_type().get_type_name()}
            inputs.append(record)
            edges.append(Edge(source_id, node_id, source.get_index(), port, record["shape"], record["element_type"]))
        nodes.append(Node(
            id=node_id,
            name=op.get_friendly_name(),
            type=rt["layerType"] or op.get_type_name(),
            attributes={k: v for k, v in rt.items() if v and k != "layerType"},
            inputs=inputs,
            outputs=[{"port": p, "shape": str(o.get_partial_shape()), "element_type": o.get_element_type().get_type_name()}
                     for p, o in enumerate(op.outputs())],
            runtime={
                "original_layers": originals,
                "precision": rt["runtimePrecision"],
                "exec_order": int(rt["execOrder"]) if rt["execOrder"].lstrip("-").isdigit() else None,
                "exec_time_ms": int(exec_time) / 1000 if exec_time.isdigit() else None,
            },
        ))
    return Graph(name=name, kind="runtime", nodes=nodes, edges=edges, info={"node_count": len(nodes)})


def _cache_file(xml_path: Path, device: str) -> Path:
    stat = xml_path.stat()
    bin_path = xml_path.with_suffix(".bin")
    bin_mtime = bin_path.stat().st_mtime_ns if bin_path.exists() else 0
    key = f"{RUNTIME_CACHE_VERSION}|{xml_path.resolve()}|{stat.st_mtime_ns}|{bin_mtime}|{device}|{package_version('openvino')}"
    folder = workspace_root() / "cache" / "graph-runtime"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"


def runtime_graph(xml_path: Path | str, device: str = "CPU", use_cache: bool = True) -> Graph:
    """Compile `xml_path` on `device` and return its runtime graph (cached per file version)."""
    path = Path(xml_path)
    cache = _cache_file(path, device) if use_cache else None
    if cache and cache.is_file():
        try:
            return Graph.from_dict(json.loads(cache.read_text()))
        except (ValueError, KeyError, TypeError):
            cache.unlink(missing_ok=True)
    model = read_model(path)
    compiled = core_instance().compile_model(model, device)
    graph = runtime_graph_from_compiled(compiled, f"{path.stem} on {device}")
    graph.info.update(device=device, source=str(path))
    if cache:
        tmp = cache.with_suffix(".tmp")
        tmp.write_text(json.dumps(graph.to_dict()))
        tmp.replace(cache)
    return graph


def link(ir: Graph, runtime: Graph) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(IR node id -> runtime node ids, runtime node id -> IR node ids), via original names."""
    ir_to_rt: dict[str, list[str]] = {}
    rt_to_ir: dict[str, list[str]] = {}
    for node in runtime.nodes:
        for original in node.runtime.get("original_layers", []):
            for ir_node in ir.by_name(original):
                ir_to_rt.setdefault(ir_node.id, []).append(node.id)
                rt_to_ir.setdefault(node.id, []).append(ir_node.id)
    return ir_to_rt, rt_to_ir


def runtime_summary_for_ir(ir: Graph, runtime: Graph) -> dict[str, dict[str, Any]]:
    """Per IR node: the kernels that run it and their runtime precision (for the inspector)."""
    ir_to_rt, _ = link(ir, runtime)
    result: dict[str, dict[str, Any]] = {}
    for ir_id, rt_ids in ir_to_rt.items():
        kernels = [runtime.node(r) for r in rt_ids]
        result[ir_id] = {
            "runtime_layers": [k.name for k in kernels],
            "runtime_ids": rt_ids,
            "runtime_precision": ", ".join(sorted({k.runtime.get("precision", "") for k in kernels} - {""})),
            "layer_types": sorted({k.type for k in kernels}),
            "kernels": sorted({k.attributes.get("primitiveType", "") for k in kernels} - {""}),
        }
    return result
