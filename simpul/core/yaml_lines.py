"""The one YAML loader of simpul: data plus where each value stands, so an error can name its line.

``load_yaml_with_lines`` parses a whole document with PyYAML's safe loader, with two choices made
once for every input file (seed, diagram, scrub rules, plans):

- dates stay text: the validator parses them, so a bad date is reported with its line, not a crash;
- mapping keys are text (a key is a name): ``1:`` and ``"1":`` are the same key.

A syntax error becomes an ``InputError`` naming the file and the line. The ``LineIndex`` maps each
path of the data (``("devices", 1, "name")``) to its 1-based line, and lists the keys a mapping
repeats (YAML keeps the last one silently; a reader decides whether that is an error).

Examples:
    >>> data, lines = load_yaml_with_lines("server: a\\nclients:\\n  disdik:\\n    host: b\\n", "ep.yaml")
    >>> data["clients"]["disdik"]["host"], lines[("clients", "disdik", "host")]
    ('b', 4)
    >>> lines.line(("clients", "disdik", "port"))  # a missing key: the line of its mapping
    3
    >>> data, lines = load_yaml_with_lines("date: 2026-06-15\\n1: x\\nname: a\\nname: b\\n", "d.yaml")
    >>> data, lines.duplicates
    ({'date': '2026-06-15', '1': 'x', 'name': 'b'}, (('name',),))
    >>> load_yaml_with_lines("a: [1, 2\\nb: 3\\n", "bad.yaml")
    Traceback (most recent call last):
    ...
    simpul.errors.InputError: not valid YAML: expected ',' or ']', but got ':'
    >>> field_path(("devices", 4, "interfaces", 0, "ip"))
    'devices[4].interfaces[0].ip'
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import yaml

from simpul.errors import InputError

YamlPath = tuple[str | int, ...]

SYNTAX_HINT = "check the indentation and quoting around that line"
_STR_TAG = "tag:yaml.org,2002:str"


class _Loader(yaml.SafeLoader):
    """SafeLoader with dates left as text and every mapping key made text."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        return {_key_text(key): value for key, value in mapping.items()}


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _key_text(key: object) -> str:
    return key if isinstance(key, str) else str(key)


class LineIndex(Mapping[YamlPath, int]):
    """1-based line of every mapping key and sequence item by its path, and the repeated keys.

    >>> index = LineIndex({(): 1, ("vlans",): 5, ("vlans", 0): 6})
    >>> index.line(("vlans", 0, "vid")), index.line(("links",)), LineIndex().line(("x",))
    (6, 1, None)
    """

    def __init__(self, lines: Mapping[YamlPath, int] | None = None, duplicates: tuple[YamlPath, ...] = ()):
        self._lines = dict(lines or {})
        self.duplicates = duplicates

    def __getitem__(self, path: YamlPath) -> int:
        return self._lines[path]

    def __iter__(self) -> Iterator[YamlPath]:
        return iter(self._lines)

    def __len__(self) -> int:
        return len(self._lines)

    def __repr__(self) -> str:
        return f"LineIndex({len(self._lines)} paths, {len(self.duplicates)} duplicate key(s))"

    def line(self, path: YamlPath) -> int | None:
        """The line of ``path``, or of its nearest parent that has one (a missing key: its mapping)."""
        return line_of(self._lines, path)

    @classmethod
    def of(cls, node: yaml.Node | None, loader: yaml.SafeLoader | None = None) -> LineIndex:
        """Index a composed document (``loader`` turns non-text keys into the text the data holds)."""
        walk = _Walk(loader)
        if node is not None:
            walk.visit(node, ())
        return cls(walk.lines, tuple(walk.duplicates))


class _Walk:
    def __init__(self, loader: yaml.SafeLoader | None) -> None:
        self.loader = loader
        self.lines: dict[YamlPath, int] = {}
        self.duplicates: list[YamlPath] = []
        self._open: set[int] = set()  # nodes on the current path: an alias may point back up

    def visit(self, node: yaml.Node, path: YamlPath) -> None:
        self.lines[path] = node.start_mark.line + 1
        if id(node) in self._open:
            return
        self._open.add(id(node))
        if isinstance(node, yaml.MappingNode):
            self._mapping(node, path)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.visit(item, (*path, index))
        self._open.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, path: YamlPath) -> None:
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = self._key(key_node)
            if key in seen:
                self.duplicates.append((*path, key))
            seen.add(key)
            self.visit(value_node, (*path, key))
            self.lines[(*path, key)] = key_node.start_mark.line + 1  # the key's line, not the value's

    def _key(self, node: yaml.Node) -> str:
        if self.loader is None or node.tag == _STR_TAG or not isinstance(node, yaml.ScalarNode):
            return str(node.value)
        return _key_text(self.loader.construct_object(node))


def load_yaml_with_lines(text: str, source: str, *, hint: str = SYNTAX_HINT) -> tuple[Any, LineIndex]:
    """YAML text -> (data, line index); a syntax error is an InputError with its line and ``hint``."""
    try:
        return _load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        raise InputError(
            f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
            source=source,
            line=mark.line + 1 if mark is not None else None,
            hint=hint,
        ) from None


def _load(text: str) -> tuple[Any, LineIndex]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = None if node is None else loader.construct_document(node)
        return data, LineIndex.of(node, loader)
    finally:
        loader.dispose()


def line_index(node: yaml.Node | None) -> dict[YamlPath, int]:
    """1-based line of every mapping key and sequence item of a composed document, by its path."""
    return dict(LineIndex.of(node))


def line_of(lines: Mapping[YamlPath, int], path: YamlPath) -> int | None:
    """The line of ``path``, or of its nearest parent that has one (a missing key: its mapping)."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())


def field_path(path: YamlPath) -> str:
    """``("devices", 4, "platform")`` -> ``devices[4].platform``; the top level is ``""``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
