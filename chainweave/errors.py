"""The one error type for impossible input, so callers can report it as a single line.

Every check in the package that rejects a value raises :class:`ParameterError` with the
parameter's name (or field path), the value it got, and what was expected. The command line
turns it into one line on standard error and exit code 2.
"""

from typing import Any


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
        super().__init__(f"{field}: got {value!r}; expected {expected}")
