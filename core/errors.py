"""Errors that carry a message meant for the user.

Everything the UI or CLI shows as "what went wrong and what to do" is a UserError; any
other exception is a bug and is shown with its traceback in the job log only.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix (bad file, wrong setting); `hint` says how."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message

    def to_dict(self) -> dict[str, str | None]:
        return {"error": self.message, "hint": self.hint}
