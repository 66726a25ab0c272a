"""The one error type for impossible input, so callers can report it as a single line.

Every check in the package that rejects a value raises :class:`ParameterError` with the
parameter's name (or field path), the value it got, and what was expected. The command line
turns it into one line on standard error and exit code 2. Values are shown shortened
(`reprlib`), so the line stays short whatever the value.
"""

import reprlib
from typing import Any

_SHORT = reprlib.Repr(maxlevel=4, maxtuple=12, maxlist=12, maxarray=12, maxdict=12, maxset=12,
                      maxfrozenset=12, maxdeque=12, maxstring=200, maxlong=80, maxother=200)
"""How values are shown: a value of a million items (aliases expanded) still gives a short line."""
MAX_VALUE_CHARS = 300
"""Longest value shown in an error line."""


class ParameterError(ValueError):
    """An impossible parameter, scenario field or argument.

    Attributes:
        field: Name or dotted path of the offending parameter (``"n_firms"``,
            ``"places[3].parent"``).
        value: The value that was given.
        expected: What would have been accepted, in words.
    """

    def __init__(self, field: str, value: Any, expected: str) -> None:
        self.field = field
        self.value = value
        self.expected = expected
        shown = _SHORT.repr(value)
        if len(shown) > MAX_VALUE_CHARS:
            shown = shown[:MAX_VALUE_CHARS - 3] + "..."
        super().__init__(f"{field}: got {shown}; expected {expected}")
