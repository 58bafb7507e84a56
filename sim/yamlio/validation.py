"""Validate data read from YAML against a pydantic model, and explain each error as
`FILE:LINE: key.path: problem`, with hints for misspelt keys and YAML's traps (`no`, `1:30`)."""

from __future__ import annotations

import difflib
import math
import re
import types
import typing
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from dentsim.errors import InputError
from dentsim.yamlio.reading import Path_, Scalar, dotted, line_for, read_yaml

M = TypeVar("M", bound=BaseModel)

_YAML11_BOOLS = {"yes", "no", "on", "off", "y", "n", "true", "false"}
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+$")
_FLOAT_TEXT = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def load_model(path: Path | str, model: type[M]) -> M:
    """Read `path` and validate it as `model`; raise InputError with one line per problem."""
    data, positions = read_yaml(path)
    return validate_data(data, positions, model, Path(path))


def validate_data(data: Any, positions: dict[Path_, Scalar], model: type[M], path: Path) -> M:
    if not isinstance(data, dict):
        raise InputError(
            f"{path}:1: expected a mapping of keys at the top level, found {_shape(data)}"
        )
    allowed = _fields_at(model, ())
    if foreign_keys(data, allowed):
        # likely not a file of this kind at all (`base: /etc/passwd`): quote none of it
        raise InputError(
            f"{path}:1: none of the file's {len(data)} top-level keys is one this file can "
            f"have; expected keys such as: {', '.join(allowed[:8])}"
        )
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise InputError(describe_errors(e, data, positions, model, path)) from None


def foreign_keys(data: dict[Any, Any], allowed: list[str]) -> bool:
    """True when no top-level key is one the file may have, nor a likely misspelling of one:
    the file is another kind of file (perhaps not YAML of ours at all), not a mistyped one."""
    keys = [k for k in data if isinstance(k, str)]
    return bool(data and allowed) and not any(
        k in allowed or difflib.get_close_matches(k, allowed, n=1, cutoff=0.6) for k in keys
    )


def describe_errors(
    e: ValidationError,
    data: Any,
    positions: dict[Path_, Scalar],
    model: type[BaseModel],
    path: Path,
) -> list[str]:
    lines: list[str] = []
    for err in e.errors():
        loc = _data_loc(err["loc"], data)
        line = line_for(loc, positions)
        # a key's own problem (`'8'` where a number is expected) is not its value's
        scalar = None if "[key]" in err["loc"] else positions.get(loc)
        lines.append(f"{path}:{line}: {dotted(loc)}: {_explain(err, loc, scalar, model)}")
    return sorted(
        set(lines), key=lambda s: (int(s.split(":")[1]) if s.split(":")[1].isdigit() else 0, s)
    )


def _data_loc(loc: tuple[Any, ...], data: Any) -> Path_:
    """Keep only the parts of a pydantic location that are keys or indices of the data."""
    out: list[str | int] = []
    node = data
    for part in loc:
        if (
            isinstance(node, dict)
            and part in node
            or isinstance(node, list)
            and isinstance(part, int)
            and 0 <= part < len(node)
        ):
            out.append(part)
            node = node[part]
        elif (isinstance(node, dict | list) or node is None) and (
            isinstance(part, str) and not _is_pydantic_tag(part)
        ):
            out.append(part)  # a missing or unknown key
            node = None
    return tuple(out)


def _is_pydantic_tag(part: str) -> bool:
    return "[" in part or part in {"function-after", "function-before", "function-plain"}


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and (len(value) > _QUOTED_CHARS or "\n" in value):
        return f"text of {len(value):,} characters"
    return repr(value)


_QUOTED_CHARS = 60  # longer text is described, not quoted


def _shape(value: Any) -> str:
    """What a value is, never what it says (the top level of a file that may not be YAML)."""
    if isinstance(value, str):
        return f"text of {len(value):,} characters"
    return _kind(value) if isinstance(value, dict | list | bool) or value is None else "a number"


def _explain(err: Any, loc: Path_, scalar: Scalar | None, model: type[BaseModel]) -> str:
    kind = err["type"]
    value = err.get("input")
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else "?"
        allowed = _fields_at(model, loc[:-1])
        hint = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        msg = f"unknown key '{key}'"
        if hint:
            return f"{msg}; did you mean '{hint[0]}'?"
        return f"{msg}; expected one of: {', '.join(sorted(allowed))}" if allowed else msg
    if kind == "missing":
        return f"missing required key '{loc[-1] if loc else '?'}'"
    trap = _yaml_trap(value, scalar)
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        options = re.findall(r"'([^']*)'", expected)
        hint = difflib.get_close_matches(str(value), options, n=1, cutoff=0.6)
        msg = f"expected one of {expected}, found {_kind(value)}"
        if trap:
            return f"{msg}: {trap}"
        return f"{msg}; did you mean '{hint[0]}'?" if hint else msg
    expected = _EXPECTED.get(kind)
    if expected:
        msg = f"expected {expected}, found {_kind(value)}"
        if isinstance(value, str) and scalar is not None and not scalar.plain:
            # "2026-01-05" in quotes is text to YAML, whatever it looks like
            msg += f" in quotes, which YAML reads as text: write it without the quotes ({value})"
    else:
        text = err["msg"]
        text = text.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        msg = f"{text[0].lower()}{text[1:]}"
        if not isinstance(value, dict | list):
            msg += f", found {_kind(value)}"
    return f"{msg}: {trap}" if trap else msg


_EXPECTED = {
    "float_type": "a number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "string_type": "text",
    "bool_type": "true or false",
    "date_type": "a date (YYYY-MM-DD)",
    "dict_type": "a mapping of keys",
    "model_type": "a mapping of keys",
    "model_attributes_type": "a mapping of keys",
    "list_type": "a list",
    "tuple_type": "a list",
}


def _yaml_trap(value: Any, scalar: Scalar | None) -> str | None:
    if scalar is None or scalar.text is None or not scalar.plain:
        return None
    raw = scalar.text
    if isinstance(value, bool) and raw.lower() in _YAML11_BOOLS:
        return f"YAML reads the unquoted word {raw} as {str(value).lower()}; quote it ('{raw}') if you meant the text"
    if isinstance(value, int) and _SEXAGESIMAL.match(raw):
        quoted = raw
        if raw.count(":") == 1:
            hours, minutes = raw.split(":")
            quoted = f"{int(hours):02d}:{int(minutes):02d}"
        return f"YAML reads the unquoted {raw} as the base-60 number {value}; quote it: '{quoted}'"
    if isinstance(value, str) and _FLOAT_TEXT.match(raw):
        trap = f"YAML reads {raw} as text, not a number (it needs a dot and a signed exponent)"
        number = yaml_float(float(raw))
        return f"{trap}; write it as {number}" if number and number != raw else trap
    return None


def yaml_float(x: float) -> str | None:
    """`x` written as YAML 1.1 reads a number (1e+300 is text to it: 1.0e+300 is a number);
    None for an infinite one, which no such text gives."""
    if not math.isfinite(x):
        return None
    mantissa, e, exponent = repr(x).partition("e")  # '1e+300', '5e-07' (signed), '0.005'
    if "." not in mantissa:
        mantissa += ".0"
    return f"{mantissa}e{exponent}" if e else mantissa


def _fields_at(model: Any, loc: Path_) -> list[str]:
    """The keys a model allows at `loc` (for 'did you mean' hints)."""
    tp: Any = model
    for part in loc:
        tp = _step(tp, part)
        if tp is None:
            return []
    tp = _unwrap_model(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [f.alias or name for name, f in tp.model_fields.items()]
    return []


def _unwrap_model(tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType) or origin is typing.Annotated:
        for arg in typing.get_args(tp):
            found = _unwrap_model(arg)
            if isinstance(found, type) and issubclass(found, BaseModel):
                return found
    return tp


def _step(tp: Any, part: str | int) -> Any:
    tp = _unwrap_model(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        field = tp.model_fields.get(str(part))
        return field.annotation if field else None
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (list, tuple) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return None
