"""Where each value of a YAML document stands, so an error can name its line.

>>> import yaml
>>> lines = line_index(yaml.compose("server: a\\nclients:\\n  disdik:\\n    host: b\\n"))
>>> lines[("clients", "disdik", "host")], line_of(lines, ("clients", "disdik", "port"))
(4, 3)
"""

from __future__ import annotations

import yaml

YamlPath = tuple[str | int, ...]


def line_index(node: yaml.Node | None) -> dict[YamlPath, int]:
    """1-based line of every mapping key and sequence item, by its path from the root."""
    out: dict[YamlPath, int] = {}
    if node is not None:
        _walk(node, (), out)
    return out


def _walk(node: yaml.Node, path: YamlPath, out: dict[YamlPath, int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _walk(value, (*path, str(key.value)), out)
            out[(*path, str(key.value))] = key.start_mark.line + 1  # the key's line, not the value's
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), out)


def line_of(lines: dict[YamlPath, int], path: YamlPath) -> int | None:
    """The line of ``path``, or of its nearest parent that has one (a missing key: its mapping)."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())
