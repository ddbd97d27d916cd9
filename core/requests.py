"""One shape for every feature: a typed request that owns its options, checks itself once and
says which job it becomes.

Why: a setting used to be written in a page form, again in argparse, again in an options
record and once more in the job — with defaults, help and choices drifting apart. Now a
feature declares a dataclass `XRequest(Request)` whose user-facing fields are `option(...)`s.
From that one declaration:

- the CLI builds its flags (`add_options`, `from_args`): `--subset-size`, same default, same help;
- a page builds its form widgets (pages/ui/forms.py): same label, default, bounds, choices, help;
- `check()` validates everything that can fail quickly, once, before a job row exists;
- `job()` returns the `JobSpec` the job system runs; the job function rebuilds the request with
  `from_params(params)` (unknown keys refused, enums restored), so one record travels from the
  form field to the OpenVINO/NNCF call.

Fields without `option()` are context the caller supplies (the variant picked in a page, a
positional argument on the CLI); they are not generated.

This module sits on the ground floor: it imports nothing of the workbench but `core.errors`.
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from core.errors import UserError

_OPTION = "ovwb_option"


@dataclass(frozen=True, kw_only=True)
class JobSpec:
    """What `submit_job` / `run_job_inline` need: the request as a job."""

    kind: str
    entrypoint: str
    params: dict[str, Any]
    target: str  # how the jobs list names the work
    variant_id: int | None = None
    host: str = ""  # the target machine that measures (core/targets); "" = this machine


@dataclass(frozen=True, kw_only=True)
class OptionInfo:
    """What a user sees of one setting, wherever it is shown."""

    label: str  # the page's widget label (the CLI flag is the field name with dashes)
    help: str  # one sentence; the same text in the page tooltip and `--help`
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    page: bool = True  # False: a CLI-only option (e.g. a path on the user's disk)
    cli: bool = True  # False: a page-only option (rare: say why where you use it)
    aliases: tuple[str, ...] = ()  # older CLI flags still accepted (scripts keep working)


@dataclass(frozen=True, kw_only=True)
class Option:
    """An option as the form builders read it: the field, its resolved type and its info."""

    name: str
    kind: type  # int, float, bool, str, a StrEnum subclass, or list (of str)
    optional: bool  # None is allowed (the field is `X | None`)
    default: Any
    info: OptionInfo

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def choices(self) -> list[str] | None:
        return [member.value for member in self.kind] if _is_enum(self.kind) else None  # type: ignore[attr-defined]


def option(default: Any = dataclasses.MISSING, *, label: str, help: str, default_factory: Any = dataclasses.MISSING,
           minimum: float | None = None, maximum: float | None = None, step: float | None = None,
           page: bool = True, cli: bool = True, aliases: tuple[str, ...] = ()) -> Any:
    """A user-facing field of a request (see the module docstring)."""
    info = OptionInfo(label=label, help=help, minimum=minimum, maximum=maximum, step=step, page=page, cli=cli,
                      aliases=aliases)
    if default_factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=default_factory, metadata={_OPTION: info})
    return dataclasses.field(default=default, metadata={_OPTION: info})


def _is_enum(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, StrEnum)


def _unwrap(annotation: Any) -> tuple[type, bool]:
    """`int | None` -> (int, True); `list[str]` -> (list, False)."""
    optional = False
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(members) < len(typing.get_args(annotation))
        annotation = members[0]
    origin = typing.get_origin(annotation)
    return (origin if origin is not None else annotation), optional


def choice(enum: type[StrEnum], value: Any, what: str) -> StrEnum:
    """`value` as a member of `enum`, or a UserError that lists the choices."""
    if isinstance(value, enum):
        return value
    try:
        return enum(str(value))
    except ValueError as exc:
        raise UserError(f"Unknown {what} {value!r}.", f"Use one of {', '.join(e.value for e in enum)}.") from exc


def within(value: float, what: str, minimum: float | None = None, maximum: float | None = None) -> None:
    """A number inside its bounds, or a UserError that names them."""
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        low = "" if minimum is None else f"at least {minimum:g}"
        high = "" if maximum is None else f"at most {maximum:g}"
        raise UserError(f"The {what} must be {' and '.join(filter(None, [low, high]))}, not {value:g}.")


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, StrEnum) else value


@dataclass(kw_only=True)
class Request:
    """Base of every feature's request. Subclasses are `@dataclass(kw_only=True)`, set KIND and
    ENTRYPOINT, declare fields with `option()`, and implement `check()` and `job()`."""

    KIND: ClassVar[str] = ""
    ENTRYPOINT: ClassVar[str] = ""

    def __post_init__(self) -> None:
        # Enum options given as text (from JSON params, a form, argparse) become members here,
        # so a bad choice fails at construction with the list of good ones.
        for opt in self.options():
            value = getattr(self, opt.name)
            if _is_enum(opt.kind) and value is not None:
                # Named as the flag and the params key are ("layout"): what the caller typed.
                setattr(self, opt.name, choice(opt.kind, value, opt.name.replace("_", " ")))  # type: ignore[arg-type]

    # --- the declaration, as the form builders read it -------------------------------------
    @classmethod
    def options(cls) -> list[Option]:
        hints = typing.get_type_hints(cls)
        found = []
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            info = f.metadata.get(_OPTION)
            if info is None:
                continue
            kind, optional = _unwrap(hints[f.name])
            if f.default is not dataclasses.MISSING:
                default = f.default
            elif f.default_factory is not dataclasses.MISSING:
                default = f.default_factory()
            else:
                default = None
            found.append(Option(name=f.name, kind=kind, optional=optional, default=_plain(default), info=info))
        return found

    @classmethod
    def option(cls, name: str) -> Option:
        return next(opt for opt in cls.options() if opt.name == name)

    # --- params (the job row's JSON) <-> request -------------------------------------------
    def to_params(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Any:
        known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = set(params) - known
        if unknown:
            raise UserError(f"Unknown setting(s) {', '.join(sorted(unknown))} for {cls.__name__}.")
        return cls(**params)

    # --- what a feature implements ---------------------------------------------------------
    def check(self) -> None:
        """Everything that can fail in a second (bounds, files, names), before a job exists.
        The base checks declared bounds; features extend it (call super().check())."""
        for opt in self.options():
            value = getattr(self, opt.name)
            if opt.kind in (int, float) and value is not None and not isinstance(value, bool):
                within(value, opt.info.label.lower(), opt.info.minimum, opt.info.maximum)

    def job(self) -> JobSpec:
        raise NotImplementedError


# --- the CLI side ----------------------------------------------------------------------------
def add_options(parser: argparse.ArgumentParser, request_type: type[Request], skip: tuple[str, ...] = ()) -> None:
    """One flag per CLI option of the request, with its default, choices and help."""
    for opt in request_type.options():
        if not opt.info.cli or opt.name in skip:
            continue
        kwargs: dict[str, Any] = {"dest": opt.name, "help": opt.info.help, "default": opt.default}
        if opt.kind is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        elif opt.kind is list:
            kwargs.update(nargs="+", metavar=opt.name.upper().rstrip("S"))
        elif _is_enum(opt.kind):
            kwargs["choices"] = opt.choices
        else:
            kwargs["type"] = opt.kind
        if opt.default not in (None, [], "") and opt.kind is not bool:
            kwargs["help"] = f"{opt.info.help} (default: {opt.default})"
        parser.add_argument(opt.flag, *opt.info.aliases, **kwargs)


def from_args(request_type: type[Request], args: argparse.Namespace, **context: Any) -> Any:
    """The request from parsed flags plus the context the command supplies (positionals etc.)."""
    values = {opt.name: getattr(args, opt.name) for opt in request_type.options()
              if opt.info.cli and hasattr(args, opt.name)}
    values.update(context)
    return request_type(**values)
