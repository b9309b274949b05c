"""One way to turn a validator's complaint into an ``InputError`` naming the file, the line and the field.

Pydantic (``ValidationError``) and JSON Schema (one ``jsonschema`` error or all of them) speak of
the same things: a path into the data and what is wrong there. ``validation_problems`` reads both
into ``Problem`` s, the one to fix first first: top-down in the file when a ``LineIndex``
(``simpul.core.yaml_lines``) says where each path stands, otherwise in the validator's order; and
within one mapping an unknown key before the rest (a misspelt key also explains the "missing" one).

``input_error_from_validation`` is the headline as an ``InputError`` (with how many more there are);
``input_errors_from_validation`` is every problem, for a reader that lists them all.

Examples:
    >>> from pydantic import BaseModel, ConfigDict
    >>> from simpul.core.yaml_lines import load_yaml_with_lines
    >>> class Vlan(BaseModel):
    ...     model_config = ConfigDict(extra="forbid")
    ...     vid: int
    ...     name: str
    >>> data, lines = load_yaml_with_lines("vlans:\\n  - vid: x\\n    nmae: Staf\\n", "v.yaml")
    >>> try:
    ...     Vlan.model_validate(data["vlans"][0])
    ... except ValidationError as exc:
    ...     headline = input_error_from_validation(exc, "v.yaml", lines, at=("vlans", 0), hint="see docs")
    ...     every = input_errors_from_validation(exc, "v.yaml", lines, at=("vlans", 0), wording=PLAIN_WORDING)
    >>> print(headline.render())
    E2001 v.yaml:3: vlans[0].nmae: Extra inputs are not permitted (2 more error(s) after fixing this one)
      -> see docs
    >>> for err in every:
    ...     print(err.render())
    E2001 v.yaml:3: vlans[0].nmae: unknown field 'nmae'
    E2001 v.yaml:2: vlans[0].vid: Input should be a valid integer, unable to parse string as an integer
    E2001 v.yaml:2: vlans[0].name: missing field 'name'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import jsonschema
from pydantic import ValidationError

from simpul.core.yaml_lines import YamlPath, field_path, line_of
from simpul.errors import InputError

AnyValidationError = ValidationError | jsonschema.ValidationError | Sequence[jsonschema.ValidationError]

EXTRA = "extra_forbidden"  # pydantic's names for the two kinds every validator has
MISSING = "missing"
# Plain words for a user who never heard of pydantic; ``{name}`` is the key in question.
PLAIN_WORDING: Mapping[str, str] = {EXTRA: "unknown field {name!r}", MISSING: "missing field {name!r}"}


@dataclass(frozen=True)
class Problem:
    """One complaint: where in the data (a path, and its line when known) and what is wrong there."""

    path: YamlPath
    message: str
    kind: str  # pydantic's error type; JSON Schema's required/additionalProperties map to its names
    line: int | None = None


def validation_problems(
    exc: AnyValidationError,
    lines: Mapping[YamlPath, int] | None = None,
    *,
    at: YamlPath = (),
    wording: Mapping[str, str] | None = None,
) -> list[Problem]:
    """Every problem of ``exc``, the one to fix first first; ``at`` is where the validated data sits."""
    raw = _from_pydantic(exc) if isinstance(exc, ValidationError) else _from_jsonschema(exc)
    problems = [
        Problem(
            path=(*at, *p.path),
            message=_worded(p, wording),
            kind=p.kind,
            line=line_of(lines, (*at, *p.path)) if lines is not None else None,
        )
        for p in raw
    ]

    def first_to_fix(problem: Problem) -> tuple[int, bool, int]:
        # a missing or unknown key is a problem of its mapping: rank it where the mapping starts
        anchor = problem.path[:-1] if problem.kind in (EXTRA, MISSING) else problem.path
        top = line_of(lines, anchor) if lines is not None else None
        return (top or 0, problem.kind != EXTRA, problem.line or 0)

    return sorted(problems, key=first_to_fix)


def input_errors_from_validation(
    exc: AnyValidationError,
    source: str | None,
    lines: Mapping[YamlPath, int] | None = None,
    *,
    at: YamlPath = (),
    hint: str | None = None,
    wording: Mapping[str, str] | None = None,
) -> list[InputError]:
    """Every problem of ``exc`` as an ``InputError`` naming ``source``, the line and the field."""
    return [
        InputError(p.message, source=source, line=p.line, field=field_path(p.path) or None, hint=hint)
        for p in validation_problems(exc, lines, at=at, wording=wording)
    ]


def input_error_from_validation(
    exc: AnyValidationError,
    source: str | None,
    lines: Mapping[YamlPath, int] | None = None,
    *,
    at: YamlPath = (),
    hint: str | None = None,
    wording: Mapping[str, str] | None = None,
    prefix: str = "",
) -> InputError:
    """The problem to fix first as an ``InputError``, saying how many more there are.

    ``prefix`` goes before the message (e.g. which SKPD the field belongs to).
    """
    problems = validation_problems(exc, lines, at=at, wording=wording)
    first = problems[0]
    more = f" ({len(problems) - 1} more error(s) after fixing this one)" if len(problems) > 1 else ""
    return InputError(
        f"{prefix}{first.message}{more}",
        source=source,
        line=first.line,
        field=field_path(first.path) or None,
        hint=hint,
    )


def _from_pydantic(exc: ValidationError) -> list[Problem]:
    return [
        Problem(path=tuple(err["loc"]), message=err["msg"].removeprefix("Value error, "), kind=err["type"])
        for err in exc.errors()
    ]


def _from_jsonschema(exc: jsonschema.ValidationError | Sequence[jsonschema.ValidationError]) -> list[Problem]:
    errors = [exc] if isinstance(exc, jsonschema.ValidationError) else list(exc)
    problems = [_schema_problem(err) for err in errors]
    return sorted(problems, key=lambda p: field_path(p.path))  # iteration order means nothing


def _schema_problem(err: jsonschema.ValidationError) -> Problem:
    """A JSON Schema error, pointing at the missing or unexpected key itself when there is one."""
    path: YamlPath = tuple(err.absolute_path)
    if err.validator == "required" and err.message.endswith("is a required property"):
        return Problem(path=(*path, err.message.split("'")[1]), message=err.message, kind=MISSING)
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        allowed = err.schema.get("properties", {}) if isinstance(err.schema, dict) else {}
        extra = [str(k) for k in err.instance if k not in allowed]
        if extra:
            return Problem(path=(*path, extra[0]), message=err.message, kind=EXTRA)
    return Problem(path=path, message=err.message, kind=str(err.validator))


def _worded(problem: Problem, wording: Mapping[str, str] | None) -> str:
    template = (wording or {}).get(problem.kind)
    if template is None or not problem.path:
        return problem.message
    return template.format(name=problem.path[-1])
