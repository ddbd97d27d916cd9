"""Compare stored results side by side: which variant, on which device, with which settings.

- selection.py: load benchmark results with their variant, size and accuracy (Entry)
- accuracy.py: one comparable accuracy figure per variant, wherever it was recorded
- ratios.py: speed-up, latency ratio, size reduction, accuracy change against a baseline
- pareto.py: accuracy-vs-throughput Pareto front under the user's latency/accuracy limits
- recommend.py: the one-line recommendation a user can check against the table
- layers.py: per-layer comparison of two profiles, matched by the IR layers they cover
- commands.py: the CLI command that reproduces each number
- machines.py: which machine (target) measured each result, and its devices' facts as it reported them
- comparison.py: everything above in one JSON-able document
- table.py: the table as flat records (page dataframe, CSV, HTML)
- charts.py / report.py: Plotly figures, and the self-contained HTML / CSV export
- choices.py: what the page offers to pick, with sensible defaults
- cli.py: `python -m core compare RESULT_ID... [--baseline ID] [--html OUT.html] [--json]`
"""
