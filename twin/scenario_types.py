"""Type checks of scenario JSON against the intervention dataclasses' annotations.

A scenario file or a project's ``twin_meta`` is untrusted JSON: ``"x": "abc"`` or
``"height_m": [1]`` must be refused with one line naming the intervention, the field, the
value and the expected type, before an engine turns it into a traceback. Ranges (negative
powers, sites outside the project...) are checked elsewhere (:mod:`twin.scenario`).
"""

from __future__ import annotations

import math
import typing
from dataclasses import fields
from functools import cache
from typing import Any

from twin.errors import DataError
from twin.i18n import tr

_WORDS = {float: "a number", int: "a whole number", str: "text", bool: "true or false"}


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def check_field_types(cls: type, values: dict[str, Any], where: str) -> None:
    """Raise :class:`DataError` when a JSON value in ``values`` does not fit the annotated
    type of the dataclass field ``cls`` declares for it (numbers must be finite)."""
    hints = _hints(cls)
    # fields with a physical range and text fields are checked on construction, with the
    # allowed range in the message (twin.scenario_limits): not twice here
    ranged = set(getattr(cls, "limits", {}))
    names = {f.name for f in fields(cls)} - ranged
    for name, value in values.items():
        if name in names and hints.get(name) is not str:
            _check(hints.get(name, Any), value, f"{where}: {name}")


def _check(expected: Any, value: Any, where: str) -> None:
    origin = typing.get_origin(expected)
    if expected is Any:
        return
    if expected is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _wrong(where, value, "a number")
        if not math.isfinite(value):
            raise DataError(
                tr("{where} = {value!r} is not a finite number").format(where=where, value=value)
            )
        return
    if expected is int:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _wrong(where, value, "a whole number")
        if not (math.isfinite(value) and float(value).is_integer()):
            raise _wrong(where, value, "a whole number")
        return
    if expected in (str, bool):
        if not isinstance(value, expected):
            raise _wrong(where, value, _WORDS[expected])
        return
    if origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
        options = typing.get_args(expected)
        if value is None and type(None) in options:
            return
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                _check(option, value, where)
                return
            except DataError as error:
                errors.append(error)
        raise errors[0] if errors else _wrong(where, value, str(expected))
    if origin in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise _wrong(where, value, "a list")
        args = typing.get_args(expected)
        if len(args) == 2 and args[1] is Ellipsis:
            for index, item in enumerate(value):
                _check(args[0], item, f"{where}[{index}]")
        elif args and origin is tuple:
            if len(value) != len(args):
                raise _wrong(where, value, f"a list of {len(args)} values")
            for index, (kind, item) in enumerate(zip(args, value, strict=True)):
                _check(kind, item, f"{where}[{index}]")
        return
    if origin is dict or expected is dict:
        if not isinstance(value, dict):
            raise _wrong(where, value, "a JSON object")
        return
    if isinstance(expected, type) and hasattr(expected, "__dataclass_fields__"):
        if not isinstance(value, dict):
            raise _wrong(where, value, "a JSON object")
        check_field_types(expected, value, where)
        return


def _wrong(where: str, value: Any, expected: str) -> DataError:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return DataError(
        tr("{where} = {shown} is not {expected}").format(
            where=where, shown=shown, expected=expected
        )
    )
