"""Untrusted names through Markdown come out as their own characters (pages/ui/text.py).

The rendered result is checked in a real browser by tests/e2e/test_hostile_names_browser.py;
here: the escaping leaves no Markdown, HTML or Streamlit syntax active, and every page that
puts a name into Markdown goes through it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pages.ui.text import md_code, md_text

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = [
    "x![b](http://127.0.0.1:9/i.png)",
    "a`b``c`",
    ":red[RED] :material/home: :smile:",
    "$x^2$",
    "<img src=http://127.0.0.1:9/j.png>",
    "[link](javascript:alert(1))",
    "www.example.com http://example.com",
    "&amp; &#58;",
    "line\n# heading",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_md_text_leaves_no_syntax_active(name: str) -> None:
    text = md_text(name)
    visible = text.replace("\u200b", "")
    for opener in ("![", "](", "<img", "`", "$x", "[link]"):
        assert opener not in re.sub(r"\\.", "", visible)  # only escaped occurrences remain
    assert ":" not in text.replace(":\u200b", "")  # every colon broken for directives
    assert "://" not in text and "\n" not in text
    assert "&amp;amp;" in text if "&amp;" in name else True


@pytest.mark.parametrize("name", HOSTILE)
def test_md_code_fence_is_longer_than_any_backtick_run(name: str) -> None:
    code = md_code(name)
    fence = re.match(r"`+", code).group(0)
    inner_runs = [len(r) for r in re.findall(r"`+", code[len(fence):-len(fence)])]
    assert all(run < len(fence) for run in inner_runs)
    assert ":" not in code.replace(":\u200b", "")


def test_cli_human_output_never_sends_control_characters() -> None:
    """A model name with terminal escape sequences is printed escaped by the CLI's readable output."""
    from core.cli import _human

    text = _human({"model": "m\x1b[2J\x1b]0;owned\x07", "layers": ["a\rb", "ok\tname"]})
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text
    assert "m\\x1b[2J" in text and "ok\tname" in text
