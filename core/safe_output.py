"""Writing untrusted strings (model, layer, dataset names) into files other programs open.

Two places where text from a model file turns into code:
- JSON embedded in an HTML `<script>` block: the HTML parser ends the block at `</script>`
  and also reacts to `<!--` (a "script data escaped" state that can swallow the real end tag),
  so the JSON stops parsing or a second script starts. Escaping `<`, `>` and `&` as `\\u003c`
  etc. keeps the JSON identical for `JSON.parse`/`json.loads` and gives the HTML parser nothing.
- CSV opened in a spreadsheet: a cell starting with `=`, `+`, `-`, `@` (or a tab / carriage
  return before one) is run as a formula ("CSV injection"). Such text cells get a leading `'`,
  which spreadsheets show as text; numbers (also negative ones) are left as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_HTML_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_for_html_script(text: str) -> str:
    """JSON text made safe to place between `<script type="application/json">` tags."""
    for char, escape in _HTML_JSON_ESCAPES.items():
        text = text.replace(char, escape)
    return text


def _is_number_text(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_cell(value: Any) -> Any:
    """A cell value a spreadsheet shows as text instead of evaluating it."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not _is_number_text(value):
        return "'" + value
    return value


def safe_rows(rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    return [[csv_cell(v) for v in row] for row in rows]


def safe_records(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: csv_cell(v) for k, v in record.items()} for record in records]


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV with every cell (the header too) neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(h) for h in header])
    writer.writerows(safe_rows(rows))
    return buffer.getvalue()
