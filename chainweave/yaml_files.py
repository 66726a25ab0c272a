"""Reading the YAML files users write (scenarios, sweeps), with one-line errors and bounds.

A file is refused, with one line naming it (and the line of the problem where there is one),
when it could only be read wrongly or at a cost out of proportion to a settings file:

- larger than `MAX_BYTES` (checked before it is read);
- a key given twice in one mapping (YAML 1.1 readers keep the last silently);
- nested deeper than `MAX_DEPTH` levels;
- aliases that expand to more than `MAX_NODES` values ("billion laughs"), or an alias inside
  its own anchor (a recursive structure).

Numbers are read as YAML 1.2 reads them: ``1.0e6``, ``1e6`` and ``1.0E+6`` are floats (the
YAML 1.1 rules of PyYAML make the first two strings).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from chainweave.errors import ParameterError

MAX_BYTES = 1_048_576
"""Largest file read, bytes (1 MiB: a list of several thousand places fits)."""
MAX_DEPTH = 32
"""Deepest nesting of mappings and lists."""
MAX_NODES = 1_000_000
"""Most values (scalars, lists, mappings) a file may hold once its aliases are expanded (a 1 MiB
file without aliases holds at most about 350,000)."""

_YAML12_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")
"""YAML 1.2 core-schema floats with an exponent (``1e6``, ``1.0e6``): 1.1 reads them as text."""


class _BoundedLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys and deep nesting, and reads 1.2 floats."""

    def __init__(self, stream: str, source: str) -> None:
        super().__init__(stream)
        self._source = source
        self._depth = 0

    def _refuse(self, mark: Any, got: str, expected: str) -> ParameterError:
        return ParameterError(f"{self._source} (line {mark.line + 1}, column {mark.column + 1})",
                              _Text(got), expected)

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise self._refuse(self.peek_event().start_mark, f"nesting deeper than {MAX_DEPTH} levels",
                                   f"at most {MAX_DEPTH} levels of mappings and lists")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node.start_mark)
            except TypeError:
                continue  # an unhashable key: the base class reports it
            if first is not key_node.start_mark:
                raise self._refuse(key_node.start_mark, f"key {key!r} again (first on line {first.line + 1})",
                                   "each key once in a mapping")
        return super().construct_mapping(node, deep=deep)


_BoundedLoader.add_implicit_resolver("tag:yaml.org,2002:float", _YAML12_FLOAT, list("-+0123456789."))


def _expanded_size(root: Node) -> int:
    """Returns how many values the node tree holds with every alias expanded (capped).

    Counts stop at ``MAX_NODES + 1``; a node that contains itself gives -1.
    """
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = ([n for pair in node.value for n in pair] if isinstance(node, MappingNode) else
                    list(node.value) if isinstance(node, SequenceNode) else [])
        if done:
            on_path.discard(key)
            size[key] = min(1 + sum(size[id(c)] for c in children), MAX_NODES + 1)
            continue
        if key in size:
            continue
        if key in on_path:
            return -1
        on_path.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in on_path:
                return -1
            if id(child) not in size:
                stack.append((child, False))
    return size[id(root)]


def _mark(err: yaml.YAMLError) -> str:
    mark = getattr(err, "problem_mark", None)
    return f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""


def load_yaml_text(text: str, source: str) -> Any:
    """Returns the value of a YAML document read with the bounds of this module.

    Args:
        text: The document.
        source: How errors name it.

    Raises:
        ParameterError: one line for malformed YAML, a duplicate key, nesting deeper than
            `MAX_DEPTH`, or aliases expanding past `MAX_NODES` values.
    """
    loader = None
    try:
        loader = _BoundedLoader(text, source)  # reads the first characters: may raise
        node = loader.get_single_node()
        if node is None:
            return None
        size = _expanded_size(node)
        if size < 0:
            raise ParameterError(source, _Text("an alias inside its own anchor"),
                                 "a file without recursive aliases")
        if size > MAX_NODES:
            raise ParameterError(source, _Text(f"more than {MAX_NODES:,} values once aliases are expanded"),
                                 f"at most {MAX_NODES:,} (aliases repeat what they point to)")
        return loader.construct_document(node)
    except yaml.YAMLError as err:
        problem = getattr(err, "problem", None) or "unparsable"
        raise ParameterError(f"{source}{_mark(err)}", _Text(problem), "well-formed YAML") from None
    finally:
        if loader is not None:
            loader.dispose()


def read_yaml_mapping(path: Path, source: str, kind: str) -> dict[str, Any]:
    """Returns the mapping at the top level of a YAML file.

    Args:
        path: The file.
        source: How errors name the file (as the user gave it).
        kind: What the file holds, for the messages: ``scenario`` or ``sweep``.

    Raises:
        ParameterError: One line for an unreadable or too large file, malformed YAML (with its
            line and column), a duplicate key, too deep nesting, aliases that expand too far,
            or a top level that is not a mapping.
    """
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ParameterError(source, _Text(f"{size:,} bytes"),
                                 f"a {kind} file of at most {MAX_BYTES:,} bytes (1 MiB)")
        with path.open("rb") as handle:
            text = handle.read(MAX_BYTES + 1).decode("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ParameterError(source, str(path),
                             f"a readable UTF-8 YAML {kind} file ({type(err).__name__})") from None
    if len(text.encode("utf-8")) > MAX_BYTES:  # a file that grew while it was read
        raise ParameterError(source, _Text(f"more than {MAX_BYTES:,} bytes"),
                             f"a {kind} file of at most {MAX_BYTES:,} bytes (1 MiB)")
    data = load_yaml_text(text, source)
    if not isinstance(data, dict):
        got = "an empty file" if data is None else f"a {type(data).__name__}"
        raise ParameterError(source, _Text(got), f"a mapping of {kind} fields at the top level")
    return data


class _Text(str):
    """A value already written as words (shown without quotes)."""

    def __repr__(self) -> str:
        return str(self)
