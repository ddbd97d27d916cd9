"""AppTest of the Graph page: real variants, real profiles, the inspector, find and colouring."""

from __future__ import annotations

import json
import re
from pathlib import Path

from core.precision import device_compute
from tests.conftest import open_page, page_text
from tests.graph_support import seed_profiled_variants


def _view_data(at) -> dict:  # type: ignore[no-untyped-def]
    """What the page sent to the graph component (drawing, fills, legend, selection, centre)."""
    components = at.get("bidi_component")
    assert len(components) == 1
    return json.loads(components[0].proto.json)


def _select(at, label: str):  # type: ignore[no-untyped-def]
    return next(s for s in at.selectbox if s.label == label)


def test_graph_page_finds_inspects_and_colours_by_time_and_ratio(workspace: Path) -> None:
    ids = seed_profiled_variants()
    at = open_page("pages/graph.py")
    assert not at.exception, at.exception
    data = _view_data(at)
    text = page_text(at)
    assert "491 shown" in text  # DenseNet-121 IR: 797 nodes, constants folded
    assert len(re.findall(r'<g class="node[^"]*" data-id="', data["svg"])) == 491 == len(data["fills"])
    assert data["legend"]["title"] == "Op type" and data["selected"] is None

    # Find a layer by name: it becomes the selection and the inspector shows it.
    at.text_input(key="graph_find").set_value("type:Convolution").run()  # the first one: the stem
    assert not at.exception, at.exception
    assert "121 matches" in [s.label for s in at.selectbox]
    assert any(h.value == "Convolution" for h in at.subheader)
    data = _view_data(at)  # the drawing is asked to centre on the match, which is selected and ringed
    assert data["selected"] == data["centre"]["id"] and data["selected"] in data["highlight"] and len(data["highlight"]) == 121
    weights = next(df.value for df in at.dataframe if "sparsity" in df.value.columns)
    assert list(weights["shape"]) == ["64×3×7×7"] and weights["dtype"].iloc[0] == "f32"
    inputs = next(df.value for df in at.dataframe if "from" in df.value.columns)
    assert list(inputs["shape"]) == ["[1,3,224,224]", "[64,3,7,7]"]

    # Colour by time from the stored profile: the inspector adds the layer's cost.
    _select(at, "Colour by").set_value("time").run()
    assert not at.exception, at.exception
    assert any(m.label == "Time" for m in at.metric)
    assert "timed nodes" in page_text(at)
    assert _view_data(at)["legend"]["bar"]["ticks"]  # a colour bar beside the drawing
    slowest = next(df.value for df in at.dataframe if "ms" in df.value.columns)
    assert len(slowest) == 15 and slowest["ms"].is_monotonic_decreasing

    # Ratio against the FP16 variant's profile.
    _select(at, "Colour by").set_value("ratio").run()
    assert not at.exception, at.exception
    assert "compared nodes" in page_text(at)
    changes = next(df.value for df in at.dataframe if "× baseline time" in df.value.columns)
    assert len(changes) == 16 and changes["× baseline time"].is_monotonic_decreasing

    # Collapse repeats: DenseNet's 6/12/24/16 dense layers become blocks.
    at.text_input(key="graph_find").set_value("").run()
    at.toggle(key="graph_collapse").set_value(True).run()
    assert not at.exception, at.exception
    assert "31 shown" in page_text(at)
    # a click on a block (what the component's on-click callback stores) opens its inspector;
    # expanding it redraws with the block's nodes and centres the drawing on them
    block = re.findall(r'<g class="node block" data-id="([^"]+)"', _view_data(at)["svg"])[1]
    at.session_state["graph_state"]["selected"] = block
    at.run()
    assert any(h.value.startswith("Block:") for h in at.subheader)
    at.button(key="graph_expand").click().run()
    assert not at.exception, at.exception
    data = _view_data(at)
    assert "31 shown" not in page_text(at) and data["centre"]["id"] == data["selected"]
    assert f'data-id="{data["selected"]}"' in data["svg"] and f'data-id="{block}"' not in data["svg"]
    at.button(key="graph_collapse_all").click().run()
    assert "31 shown" in page_text(at)
    # a match inside a collapsed block opens that block and selects the node
    at.text_input(key="graph_find").set_value("type:Concat").run()
    assert not at.exception, at.exception
    assert "31 shown" not in page_text(at) and any(h.value == "Concat" for h in at.subheader)
    assert ids["FP16"] > ids["FP32"]


def test_graph_page_runtime_view_links_back_to_ir(workspace: Path) -> None:
    seed_profiled_variants()
    at = open_page("pages/graph.py")
    at.radio(key="graph_kind").set_value("runtime").run()
    assert not at.exception, at.exception
    assert "RUNTIME" in page_text(at)
    at.text_input(key="graph_find").set_value("type:Convolution").run()
    assert not at.exception, at.exception
    assert "Fused IR nodes" in page_text(at)
    at.button(key="graph_to_ir").click().run()
    assert not at.exception, at.exception
    assert at.radio(key="graph_kind").value == "ir" and at.text_input(key="graph_find").value == ""
    assert "IR ·" in page_text(at) and any(h.value == "Convolution" for h in at.subheader)
    # and back: the IR node's inspector names its kernel and runtime precision
    at.toggle(key="graph_runtime_info").set_value(True).run()
    assert not at.exception, at.exception
    # compiled with the device defaults: the precision shown is the one the device reports
    assert "**Runtime**:" in page_text(at) and f"precision {device_compute('CPU')['default']}" in page_text(at)
    at.button(key="graph_to_rt").click().run()
    assert at.radio(key="graph_kind").value == "runtime" and "Fused IR nodes" in page_text(at)


def test_graph_page_without_models_says_what_to_do(workspace: Path) -> None:
    at = open_page("pages/graph.py")
    assert not at.exception, at.exception
    assert "No models yet" in page_text(at)


def test_graph_page_diff_marks_what_int8_added(workspace: Path) -> None:
    from core.variants import create_model, register_variant
    from core.workspace import new_artifact_dir
    from tests.graph_support import int8_from, mobilenet_v2_ir

    folder = new_artifact_dir("models")
    fp32 = mobilenet_v2_ir(folder)
    model_id = create_model("MobileNetV2-like", "ir")
    fp32_id = register_variant(model_id, fp32, "FP32", "converted")
    register_variant(model_id, int8_from(fp32, folder), "INT8", "int8", parent_id=fp32_id)
    at = open_page("pages/graph.py")
    at.selectbox(key="graph_variant").set_value(fp32_id + 1).run()
    _select(at, "Colour by").set_value("diff").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="graph_diff_other").value == fp32_id  # the parent first
    data = _view_data(at)
    assert data["legend"]["title"].startswith("Changes vs") and {i["label"] for i in data["legend"]["items"]} >= {"added", "changed"}
    table = next(df.value for df in at.dataframe if "change" in df.value.columns)
    assert "FakeQuantize" in set(table[table["change"] == "added"]["op type"])
    at.text_input(key="graph_find").set_value("type:FakeQuantize").run()
    assert any(m.value.startswith("**Diff**: added") for m in at.markdown)


def _graph_link(**params: int | str):  # type: ignore[no-untyped-def]
    """The Graph page opened through its link parameters (what `links.open_graph` switches to)."""
    at = open_page()
    for name, value in params.items():
        at.query_params[name] = str(value)
    at.switch_page("pages/graph.py").run()
    assert not at.exception, at.exception
    return at


def test_graph_link_opens_a_ratio_or_a_layer_error_view_and_checks_what_it_names(workspace: Path) -> None:
    """`open_graph(variant, colour="ratio", profile=, baseline=)` (Compare) and
    `open_graph(variant, colour="error", layer_error=)` (INT8 analysis) land on the view they name."""
    from core.graph import graph_from_file
    from core.store import Result, session_scope
    from core.variants import get_variant, variant_xml

    ids = seed_profiled_variants()
    at = _graph_link(variant=ids["FP16"], colour="ratio", profile=ids["FP16_profile"], baseline=ids["FP32_profile"])
    assert at.selectbox(key="graph_baseline").value == ids["FP32"]
    assert at.selectbox(key="graph_baseline_profile").value == ids["FP32_profile"]
    assert "compared nodes" in page_text(at) and not at.warning
    assert at.query_params["baseline"] == str(ids["FP32_profile"])  # the address bar names the baseline too
    _select(at, "Colour by").set_value("time").run()
    assert "baseline" not in at.query_params and at.query_params["colour"] == "time"

    # A stored layer-error analysis of the FP16 variant (the rows the INT8 analysis stores).
    names = [n.name for n in graph_from_file(str(variant_xml(get_variant(ids["FP16"])))).nodes][:40]
    rows = [{"name": name, "relative_error": 0.001 * (i + 1), "jump": 0.0} for i, name in enumerate(names)]
    with session_scope() as session:
        result = Result(kind="layer_error", variant_id=ids["FP16"], device="CPU", config={"parent": ids["FP32"]},
                        metrics={"layers": rows, "samples": 2, "ranking": rows[-1:], "parent": {"variant_id": ids["FP32"]}})
        session.add(result)
        session.flush()
        analysis = result.id
    at = _graph_link(variant=ids["FP16"], colour="error", layer_error=analysis)
    assert at.selectbox(key="graph_layer_error").value == analysis and not at.warning
    assert "Largest layer errors" in page_text(at)

    # What does not fit is said once; the page goes on with its defaults.
    at = _graph_link(variant=ids["FP16"], colour="ratio", profile=ids["FP16_profile"], baseline=ids["FP16_profile"],
                     layer_error=424242)
    warning = " ".join(w.value for w in at.warning)
    assert f"Profile \\#{ids['FP16_profile']} is not a profile of another variant of this model" in warning
    assert f"has no layer\\-error analysis \\#424242" in warning
