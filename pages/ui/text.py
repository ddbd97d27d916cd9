"""Untrusted text (names from a model, a file or a dataset) inside Markdown, shown as text.

Streamlit renders Markdown in st.markdown, captions, alerts, expander/tab/button labels and
help texts: an input named `x![b](http://host/i.png)` becomes an image fetch, a backtick
breaks out of inline code, `:red[..]` and `:material/..:` become styling and a web-font icon,
`$..$` becomes maths and `http://…` a link. Model files are untrusted, so every such string
goes through `md_text` before it meets Markdown (or is shown with st.text / st.code /
dataframe cells, which never render it).
"""

from __future__ import annotations

import re
from typing import Any

# CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones that start
# or end Markdown, HTML or Streamlit syntax. ":" is handled apart: Streamlit's directives
# (`:red[..]`, `:material/..:`, emoji `:smile:`) ignore a backslash and even match inside
# code spans, so a zero-width space after every colon is what keeps them plain text.
# "&" is written as an entity so "&amp;" in a name stays those five characters.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$=^\"'])")
# GFM turns bare URLs and www. names into links even when escaped; a zero-width space
# inside "://" and after "www" keeps them plain text without changing what the eye reads.
_ZERO_WIDTH_SPACE = "\u200b"
_COLON = ":" + _ZERO_WIDTH_SPACE
_WWW = re.compile(r"(?i)\b(www)(\\\.)")


def md_text(value: Any) -> str:
    """`value` as Markdown that renders to exactly its characters: no link, image, code,
    styling, icon, maths or HTML can come out of it."""
    text = str(value).replace("&", "&amp;")
    text = _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)
    text = text.replace(":", _COLON).replace("//", "/" + _ZERO_WIDTH_SPACE + "/")
    text = _WWW.sub(r"\1" + _ZERO_WIDTH_SPACE + r"\2", text)
    return text.replace("\r", " ").replace("\n", " ")


def md_code(value: Any) -> str:
    """`value` as inline code that cannot break out of its backticks.

    Markdown code spans end at a run of backticks as long as the opening one, so the fence
    is made one longer than the longest run inside (CommonMark §6.1); a space pads a value
    that starts or ends with a backtick. Colons get the same zero-width space as in
    `md_text`: Streamlit's directives are expanded even inside code.
    """
    text = str(value).replace("\r", " ").replace("\n", " ").replace(":", _COLON)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def error_text(message: Any, hint: Any = None) -> str:
    """A UserError (or any message and hint) for st.error/st.warning: both may quote names
    from the model or a file, so both are text; the hint goes in its own paragraph."""
    text = md_text(message)
    return f"{text}\n\n{md_text(hint)}" if hint else text


def plural(count: int, word: str, many: str | None = None) -> str:
    """"1 run", "3 runs", "2 layers": counts read as sentences, not "1 run(s)"."""
    return f"{count} {word if count == 1 else (many or word + 's')}"
