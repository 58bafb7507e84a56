"""Load a YAML file into a pydantic model, with errors that name the file, line and key path.

`reading` reads any YAML file safely, within bounds, and records where each value was written;
`validation` checks the data against a model and explains every error by file, line and key.
"""

from dentsim.yamlio.reading import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_VALUES,
    Path_,
    Scalar,
    dotted,
    line_for,
    read_yaml,
)
from dentsim.yamlio.validation import describe_errors, foreign_keys, load_model, validate_data

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_VALUES",
    "Path_",
    "Scalar",
    "describe_errors",
    "dotted",
    "foreign_keys",
    "line_for",
    "load_model",
    "read_yaml",
    "validate_data",
]
