"""Reading the YAML files users write (scenarios, sweeps), with one-line errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from chainweave.errors import ParameterError


def read_yaml_mapping(path: Path, source: str, kind: str) -> dict[str, Any]:
    """Returns the mapping at the top level of a YAML file.

    Args:
        path: The file.
        source: How errors name the file (as the user gave it).
        kind: What the file holds, for the messages: ``scenario`` or ``sweep``.

    Raises:
        ParameterError: One line for an unreadable file, malformed YAML (with its line and
            column) or a top level that is not a mapping.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ParameterError(source, str(path),
                             f"a readable UTF-8 YAML {kind} file ({type(err).__name__})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(err, "problem", None) or "unparsable"
        raise ParameterError(f"{source}{where}", problem, "well-formed YAML") from None
    if not isinstance(data, dict):
        got = "an empty file" if data is None else f"a {type(data).__name__}"
        raise ParameterError(source, got, f"a mapping of {kind} fields at the top level")
    return data
