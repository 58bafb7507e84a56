"""Load a YAML file into a pydantic model, with errors that name the file, line and key path.

Every user-written YAML file (scenarios, rules, sweeps, agent scripts, personas, conformance
cases, ROI inputs) goes through `read_yaml`, so they all report problems the same way, and all
are read within the same bounds: a file of at most MAX_FILE_BYTES, nested at most MAX_DEPTH
levels, holding at most MAX_VALUES values once aliases are expanded (an alias bomb is refused
while it is read, not after it has filled the memory), and no number that is infinite or NaN.
"""

from __future__ import annotations

import difflib
import math
import re
import stat
import types
import typing
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from dentsim.errors import InputError

M = TypeVar("M", bound=BaseModel)

_YAML11_BOOLS = {"yes", "no", "on", "off", "y", "n", "true", "false"}
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+$")
_FLOAT_TEXT = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


@dataclass(frozen=True, slots=True)
class Scalar:
    line: int
    text: str | None  # the characters as written, for scalars
    plain: bool  # unquoted


Path_ = tuple[str | int, ...]


MAX_FILE_BYTES = 256 * 1024  # the largest YAML file dentsim ships is about 12 KB
MAX_DEPTH = 50  # levels of nesting, aliases expanded; dentsim's own files use at most 7
MAX_VALUES = 50_000  # mappings, lists and scalars, aliases expanded; a scenario holds ~1,000


def read_yaml(path: Path | str) -> tuple[Any, dict[Path_, Scalar]]:
    """Parse a YAML file with `safe_load` semantics; return the data and a map key path -> position.

    Bad input raises InputError `FILE:LINE: problem`, and never quotes the file's text beyond
    a value's own short spelling (the file may not be YAML at all: `base: /etc/passwd`).
    """
    path = Path(path)
    text = _read_text(path)
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        raise InputError(f"{path}:1: the file is empty; expected a YAML mapping of keys")
    for n, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip())]
        if "\t" in indent:
            raise InputError(
                f"{path}:{n}: a tab character in the indentation; YAML indents with spaces only"
            )
    try:
        loader = _BoundedLoader(text, path)  # PyYAML checks every character here
    except yaml.reader.ReaderError as e:
        raise InputError(_reader_problem(text, path, e)) from None
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputError(f"{path}:1: the file is empty; expected a YAML mapping of keys")
        positions: dict[Path_, Scalar] = {}
        duplicates: list[str] = []
        _index(node, (), positions, duplicates, path)
        if duplicates:
            raise InputError(duplicates)
        try:
            data = loader.construct_document(node)
        except (ValueError, TypeError, OverflowError) as e:
            raise InputError(_construct_problem(positions, path, e)) from None
    except yaml.reader.ReaderError as e:
        raise InputError(_reader_problem(text, path, e)) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        at_line = mark.line + 1 if mark else 1
        what = e.problem or e.context or "malformed"
        raise InputError(f"{path}:{at_line}: not valid YAML: {what}") from None
    except yaml.YAMLError as e:
        raise InputError(f"{path}:1: not valid YAML: {e}") from None
    finally:
        loader.dispose()
    not_finite: list[str] = []
    _non_finite(data, (), positions, path, not_finite)
    if not_finite:
        raise InputError(not_finite)
    return data, positions


def _read_text(path: Path) -> str:
    """The file's text: a regular file of at most MAX_FILE_BYTES, in UTF-8."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read the file: {e.strerror or e}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{path}: is a folder, expected a YAML file")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(
            f"{path}: not a regular file (a device, pipe or socket); expected a YAML file"
        )
    too_big = (
        f"{path}: the file is larger than {MAX_FILE_BYTES:,} bytes, the most dentsim reads "
        "from a YAML file"
    )
    if info.st_size > MAX_FILE_BYTES:
        raise InputError(too_big)
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)  # the file may have grown since stat
    except OSError as e:
        raise InputError(f"{path}: cannot read the file: {e.strerror or e}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise InputError(too_big)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{path}:1: not a text file (not UTF-8: {e.reason})") from None


def _reader_problem(text: str, path: Path, error: yaml.reader.ReaderError) -> str:
    """A character YAML does not allow (a NUL byte, a control character), by line and column."""
    at = error.position if isinstance(error.position, int) else 0
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    code = (
        error.character
        if isinstance(error.character, int)
        else ord(str(error.character)[:1] or "?")
    )
    what = "a NUL byte" if code == 0 else f"the control character U+{code:04X}"
    return (
        f"{path}:{line}: not valid YAML: {what} at column {column}; "
        "a YAML file holds printable text only (is this a text file?)"
    )


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a document deeper than MAX_DEPTH or larger than MAX_VALUES.

    Sizes are counted while the document is composed, an alias counting as the whole node it
    repeats, so a file that would expand to billions of values stops after MAX_VALUES of them.
    """

    def __init__(self, text: str, path: Path):
        super().__init__(text)
        self._path = path
        self._values = 0  # values composed so far, aliases expanded
        self._open = 0  # nodes being composed (the nesting of the text itself)
        self._deepest: list[int] = []  # per open node: the deepest child composed so far
        self._done: dict[int, tuple[int, int]] = {}  # id(node) -> (values, depth), aliases expanded

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)
            if id(node) not in self._done:
                raise self._refuse(
                    event,
                    f"the alias *{event.anchor} repeats a node that contains the alias itself; "
                    "dentsim reads no self-referring YAML",
                )
            values, depth = self._done[id(node)]
            self._count(values, event)
            self._note_child(depth, event)
            return node
        self._open += 1
        if self._open > MAX_DEPTH:
            raise self._refuse(event, self._too_deep())
        self._deepest.append(0)
        before = self._values
        node = super().compose_node(parent, index)
        self._open -= 1
        depth = self._deepest.pop() + 1
        self._count(1, event)
        self._done[id(node)] = (self._values - before, depth)
        self._note_child(depth, event)
        return node

    def _count(self, values: int, event: yaml.Event) -> None:
        self._values += values
        if self._values > MAX_VALUES:
            raise self._refuse(
                event,
                f"more than {MAX_VALUES:,} values with aliases expanded, the most dentsim reads "
                "from a YAML file (aliases that repeat aliases multiply: an alias bomb?)",
            )

    def _note_child(self, depth: int, event: yaml.Event) -> None:
        if depth > MAX_DEPTH:
            raise self._refuse(event, self._too_deep())
        if self._deepest:
            self._deepest[-1] = max(self._deepest[-1], depth)

    def _too_deep(self) -> str:
        return (
            f"nested more than {MAX_DEPTH} levels deep (aliases expanded); dentsim reads YAML "
            f"nested at most {MAX_DEPTH} levels deep"
        )

    def _refuse(self, event: yaml.Event, problem: str) -> InputError:
        line = event.start_mark.line + 1 if event.start_mark else 1
        return InputError(f"{self._path}:{line}: {problem}")


def _non_finite(
    data: Any, at: Path_, positions: dict[Path_, Scalar], path: Path, out: list[str]
) -> None:
    """Every number written as infinite or NaN (.inf, .nan, 1.0e+999): no input means one."""
    if isinstance(data, float) and not math.isfinite(data):
        scalar = positions.get(at)
        written = scalar.text if scalar is not None and scalar.text is not None else str(data)
        out.append(
            f"{path}:{_line_for(at, positions)}: {_dotted(at)}: expected a finite number, "
            f"found {written}"
        )
    elif isinstance(data, dict):
        for key, value in data.items():
            _non_finite(value, (*at, _key_text(key)), positions, path, out)
    elif isinstance(data, list):
        for i, item in enumerate(data):
            _non_finite(item, (*at, i), positions, path, out)


def _key_text(key: Any) -> str:
    """A key as `_index` records it (the text of the key's node) for the common key types."""
    return key if isinstance(key, str) else str(key)


_DATE_LIKE = re.compile(r"^(\d{4})-(\d\d?)-(\d\d?)([Tt ].*)?$")


def _construct_problem(positions: dict[Path_, Scalar], path: Path, error: Exception) -> str:
    """Find the scalar YAML could not turn into a value (an impossible date, say)."""
    for at, scalar in positions.items():
        found = _DATE_LIKE.match(scalar.text or "") if scalar.plain else None
        if found:
            try:
                date(int(found[1]), int(found[2]), int(found[3]))
            except ValueError as bad:
                return f"{path}:{scalar.line}: {_dotted(at)}: not a valid date ({bad}), found {scalar.text}"
        digits = sum(c.isdigit() for c in scalar.text or "") if scalar.plain else 0
        if digits > _MAX_DIGITS:
            return (
                f"{path}:{scalar.line}: {_dotted(at)}: a number of {digits:,} digits; "
                f"dentsim reads numbers of at most {_MAX_DIGITS:,} digits"
            )
    return f"{path}:1: a value YAML cannot read: {error}"


_MAX_DIGITS = 4300  # Python's limit for turning text into a whole number


def _index(
    node: yaml.Node, at: Path_, out: dict[Path_, Scalar], dups: list[str], path: Path
) -> None:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        out[at] = Scalar(line, node.value, node.style is None)
    elif isinstance(node, yaml.MappingNode):
        out[at] = Scalar(line, None, False)
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            key_line = key_node.start_mark.line + 1
            if key in seen:
                dotted = _dotted((*at, key))
                dups.append(
                    f"{path}:{key_line}: {dotted}: duplicate key '{key}' (first given at line {seen[key]})"
                )
                continue
            seen[key] = key_line
            _index(value_node, (*at, key), out, dups, path)
            # a key's own line is where its value's problems are reported
            out[(*at, key)] = Scalar(key_line, out[(*at, key)].text, out[(*at, key)].plain)
    elif isinstance(node, yaml.SequenceNode):
        out[at] = Scalar(line, None, False)
        for i, item in enumerate(node.value):
            _index(item, (*at, i), out, dups, path)


def _dotted(loc: Path_) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


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
        line = _line_for(loc, positions)
        # a key's own problem (`'8'` where a number is expected) is not its value's
        scalar = None if "[key]" in err["loc"] else positions.get(loc)
        lines.append(f"{path}:{line}: {_dotted(loc)}: {_explain(err, loc, scalar, model)}")
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


def _line_for(loc: Path_, positions: dict[Path_, Scalar]) -> int:
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in positions:
            return positions[loc[:cut]].line
    return 1


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
        return f"YAML reads {raw} as text, not a number (it needs a dot and a signed exponent); write it as {float(raw)!r}"
    return None


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
