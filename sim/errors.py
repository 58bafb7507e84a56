"""The one exception for bad input: the CLI prints its lines and exits with code 2."""

from __future__ import annotations


class InputError(Exception):
    """Bad input from a user's file or command line.

    Each entry of `problems` is one line for a person, shaped
    `FILE:LINE: key.path: what was expected, what was found`.
    """

    def __init__(self, problems: str | list[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))
