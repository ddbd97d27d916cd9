"""How long work says how far it has got: one signature for every feature.

`progress(fraction, message)`: `fraction` from 0 to 1, or None while it is not known; `message`
is the step in words ("sample 7/300"). A job's `JobContext.progress` has this shape, and raises
JobCancelled when the user cancels, so long work passes it down and stops where it reports.
Library and CLI callers that want no reports pass nothing: `no_progress`.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[float | None, str], None]


def no_progress(_fraction: float | None, _message: str) -> None:
    return None
