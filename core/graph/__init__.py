"""The graph viewer's library: extract, fold, collapse, lay out, colour, draw and export.

Pipeline: `graph_from_file` (ov.Model → Graph) → `lay_out` (View + Layout, cached) →
`colour_scene` (type / precision / time / ratio) → `build_svg` (the drawing, core/graph/svg.py) or exports.
"""

from core.graph.api import COLOUR_MODES, Scene, colour_scene, lay_out
from core.graph.extract import extract_graph, graph_from_file
from core.graph.model import Edge, Graph, Node

__all__ = ["COLOUR_MODES", "Edge", "Graph", "Node", "Scene", "colour_scene", "extract_graph", "graph_from_file", "lay_out"]
