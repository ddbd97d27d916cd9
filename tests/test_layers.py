"""Dependencies only point down (issue 11).

`core` is a house of floors: a module may use what stands on its own floor or below, never
what stands above. FLOORS lists them from the ground up; every import in core/ and pages/
is read with `ast` — at the top of a file, inside a function, or as an
`importlib.import_module("core...")` literal — so an import hidden in a function to dodge a
cycle fails here just like one at the top. A failure names the file and line.

The unit of a floor is a top-level module of core (core/config.py) or a whole package
(core/convert/): importing any module of a package runs the package's __init__.py first, so
`core.convert.options` weighs what `core.convert` weighs. A new module or package goes into
FLOORS on the lowest floor its imports allow.

Pages stand above core: a page may import core and pages.ui; pages.ui (the shared widgets)
never imports a page; core never imports Streamlit or a page.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]

# From the ground up. Same-floor imports are allowed as long as they form no circle.
FLOORS: list[set[str]] = [
    # 1. No workbench state: errors, settings, text and lock primitives, the request base, how
    #    a command is added, how work reports progress, the one OpenVINO Core and model reader,
    #    the IR's rt_info keys, the JSON schemas of the CLI.
    {"core.errors", "core.config", "core.safe_output", "core.locks", "core.requests", "core.commands",
     "core.progress", "core.ov_core", "core.rtinfo", "core.schema"},
    # 2. The workspace folder, and the no-telemetry switch that scratches into it (core/__init__.py
    #    throws that switch when the package is imported).
    {"core.workspace", "core.telemetry", "core"},
    # 3. The database, the log files, and the cluster's address, certificates and guard.
    {"core.store", "core.logs", "core.cluster"},
    # 4. Jobs, models and variants, devices and precision, disk use, the pure model card.
    {"core.jobs", "core.variants", "core.precision", "core.devices", "core.system_info", "core.device_lock",
     "core.storage", "core.card"},
    # 5. Bringing models in, the card of a file or a stored variant, and the remote targets that
    #    measure (cluster, certificates, model transfer; measuring jobs above call core.targets.measure).
    {"core.importer", "core.card_service", "core.targets"},
    # 6. Conversion, and datasets.
    {"core.convert", "core.datasets"},
    # 7. Measuring: accuracy, speed.
    {"core.accuracy", "core.benchmark"},
    # 8. Making variants from measurements: quantization and compression.
    {"core.quantize"},
    # 9. What reads all of the above: INT8 analysis, comparison, the first-run sample.
    {"core.analysis", "core.compare", "core.sample"},
    # 10. The graph viewer (paints profiles and analyses).
    {"core.graph"},
    # 11. `python -m core`: finds every feature's cli.py and runs it.
    {"core.cli", "core.__main__"},
    # 12. The shared page widgets.
    {"pages.ui"},
    # 13. The pages, and the app that routes them.
    {"pages", "app"},
]
FLOOR_OF = {unit: number for number, units in enumerate(FLOORS, start=1) for unit in units}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _unit(module: str) -> str:
    """The floor unit of a module: core.X (a top-level module or a whole package), pages.ui, pages."""
    parts = module.split(".")
    if parts[0] == "core":
        return ".".join(parts[:2])
    if parts[0] == "pages":
        return "pages.ui" if len(parts) > 1 and parts[1] == "ui" else "pages"
    return parts[0]


def _sources() -> list[Path]:
    files = sorted((ROOT / "core").rglob("*.py")) + sorted((ROOT / "pages").rglob("*.py")) + [ROOT / "app.py"]
    return [f for f in files if "__pycache__" not in f.parts]


def _imports(path: Path) -> list[tuple[str, int]]:
    """(module, line) of every import in `path`: top level, in functions, and
    importlib.import_module("...") with a literal name. `from core.x import y` names
    core.x.y when y is a module, else core.x."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                is_module = (ROOT / (candidate.replace(".", "/") + ".py")).is_file() or (
                    ROOT / candidate.replace(".", "/") / "__init__.py").is_file()
                found.append((candidate if is_module else base, node.lineno))
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and (getattr(node.func, "attr", None) or getattr(node.func, "id", None)) == "import_module"):
            found.append((node.args[0].value, node.lineno))
    return found


def _ours(module: str) -> bool:
    return module.split(".")[0] in ("core", "pages", "app")


def _edges() -> list[tuple[str, str, str]]:
    """(importing module, imported module, "file:line") for every import of ours."""
    edges = []
    for path in _sources():
        source = _module_name(path)
        for target, line in _imports(path):
            edges.append((source, target, f"{path.relative_to(ROOT)}:{line}"))
    return edges


def test_every_module_stands_on_a_floor() -> None:
    units = {_unit(_module_name(path)) for path in _sources()}
    missing = sorted(units - set(FLOOR_OF))
    assert not missing, f"put these on a floor in tests/test_layers.py FLOORS: {missing}"
    gone = sorted(set(FLOOR_OF) - units)
    assert not gone, f"FLOORS names modules that no longer exist: {gone}"


def test_imports_only_point_down() -> None:
    upward = []
    for source, target, where in _edges():
        if not _ours(target):
            continue
        a, b = _unit(source), _unit(target)
        if a != b and b in FLOOR_OF and a in FLOOR_OF and FLOOR_OF[b] > FLOOR_OF[a]:
            upward.append(f"{where}: {source} (floor {FLOOR_OF[a]}) imports {target} (floor {FLOOR_OF[b]})")
    assert not upward, "imports that run up a floor:\n" + "\n".join(upward)


def test_no_circles() -> None:
    """Neither between units of one floor nor between files anywhere (a function-local import counts)."""
    units: nx.DiGraph = nx.DiGraph()
    files: nx.DiGraph = nx.DiGraph()
    where: dict[tuple[str, str], list[str]] = defaultdict(list)
    for source, target, line in _edges():
        if not _ours(target) or source == target:
            continue
        a, b = _unit(source), _unit(target)
        if a != b:
            units.add_edge(a, b)
            where[(a, b)].append(line)
        if not source.startswith(target + "."):  # a module naming its own package's face is no circle
            files.add_edge(source, target)
            where[(source, target)].append(line)
    circles = []
    for graph in (units, files):
        for members in nx.strongly_connected_components(graph):
            if len(members) > 1:
                ties = [f"  {a} -> {b}: {', '.join(sorted(set(where[(a, b)])))}" for a, b in graph.subgraph(members).edges]
                circles.append(f"circle {sorted(members)}:\n" + "\n".join(ties))
    assert not circles, "\n".join(circles)


def test_core_never_imports_streamlit_or_pages_and_pages_import_no_page() -> None:
    wrong = []
    for source, target, where in _edges():
        root = target.split(".")[0]
        if source.split(".")[0] == "core" and root in ("streamlit", "pages", "app"):
            wrong.append(f"{where}: core module {source} imports {target}")
        if _unit(source) == "pages.ui" and _unit(target) in ("pages", "app"):
            wrong.append(f"{where}: shared widget module {source} imports the page {target}")
        if _unit(source) in ("pages", "app") and _unit(target) == "pages" and source != target:
            wrong.append(f"{where}: {source} imports the page {target} (share it through pages/ui instead)")
    assert not wrong, "\n".join(wrong)
