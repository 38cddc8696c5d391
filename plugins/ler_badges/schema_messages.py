"""Turn JSON Schema errors into problems a registrar's office can act on.

The official OB 3.0 schema is the "JSON-LD adaptation": nearly every property is
``oneOf``/``anyOf`` a single value, a list, or a language map. jsonschema reports a failure as
"not valid under any of the given schemas" with every branch's errors nested inside. Here the
branches whose basic shape cannot fit the value (a list where text is expected, an object that
is not a language map) are set aside, the remaining branch is followed down to the real
problem, and that problem is worded with its JSON path, e.g.::

    credentialSubject.achievement.criteria is missing: every achievement needs criteria
    (a narrative or an id)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from jsonschema.exceptions import ValidationError

from .errors import SchemaProblem

__all__ = ["format_path", "problems_from_errors"]

_REQUIRED = re.compile(r"^'(?P<name>.+)' is a required property$")
_W3C_V2 = "https://www.w3.org/ns/credentials/v2"
_W3C_V1 = "https://www.w3.org/2018/credentials/v1"
_OB_CONTEXT = ("Open Badges 3.0", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json")
_CLR_CONTEXT = ("CLR 2.0", "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json")
_VC_1_1_NOTE = (
    "; this credential was made under VC Data Model 1.1, which Open Badges 3.0 no longer "
    "accepts: reissue it with the VC 2.0 context and validFrom"
)

#: Why a missing property matters, by (owning property, missing property) or missing property.
_MISSING_HINTS: dict[tuple[str, str] | str, str] = {
    ("achievement", "criteria"): "every achievement needs criteria (a narrative or an id)",
    ("achievement", "name"): "every achievement needs a name",
    ("achievement", "description"): "every achievement needs a description",
    ("achievement", "id"): "every achievement needs an id (a URL or urn:uuid that names it)",
    ("achievement", "type"): 'every achievement needs type "Achievement"',
    ("credentialSubject", "achievement"): "every badge must describe the achievement it awards",
    ("credentialSubject", "type"): 'the subject needs its type (e.g. "AchievementSubject")',
    ("credentialSubject", "verifiableCredential"): (
        "a CLR must contain at least one verifiable credential"
    ),
    ("issuer", "id"): "the issuer needs an id (its DID or URL)",
    ("issuer", "type"): 'the issuer needs type "Profile"',
    ("alignment", "targetName"): "every alignment needs the name of the skill or framework item",
    ("alignment", "targetUrl"): "every alignment needs the URL of the skill or framework item",
    ("resultDescription", "resultType"): (
        "every result description needs a resultType (e.g. LetterGrade, Percent, Status)"
    ),
    ("resultDescription", "name"): "every result description needs a name",
    "@context": (
        f"list the W3C credentials context ({_W3C_V2}) first, then the Open Badges 3.0 context"
    ),
    "id": "give it an id (a URL, DID or urn:uuid that uniquely names it)",
    "type": "say what kind of entry this is with its type",
    "issuer": (
        "every credential must name its issuer: a Profile with an id (the issuer's DID or URL), "
        'type "Profile" and a name'
    ),
    "validFrom": (
        "every credential needs the date and time it takes effect, e.g. 2024-05-01T00:00:00Z"
    ),
    "credentialSubject": "every credential must say who earned it and what (credentialSubject)",
    "name": "add a name",
    "identityHash": "every learner identifier needs the identifier value (or its hash)",
    "identityType": "every learner identifier needs its kind (e.g. emailAddress, studentId)",
    "hashed": "every learner identifier must say whether identityHash is hashed (true/false)",
    "identifier": "every identifier entry needs the identifier value",
    "identifierType": "every identifier entry needs its kind (e.g. sourcedId)",
    "associationType": "every association needs its kind (e.g. isParentOf)",
    "sourceId": "every association needs the id of the achievement it starts from",
    "targetId": "every association needs the id of the achievement it points to",
}

_JSON_KINDS = {
    "string": "text",
    "array": "a list",
    "object": "an object with named fields",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "null": "null",
}


def format_path(parts: Iterable[str | int]) -> str:
    """``['credentialSubject', 'result', 1, 'type']`` -> ``credentialSubject.result[1].type``."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(the credential itself)"


def _kind_of(value: Any) -> str:
    match value:
        case bool():
            return "true or false"
        case str():
            return "text"
        case list():
            return "a list"
        case dict():
            return "an object"
        case int() | float():
            return "a number"
        case None:
            return "null"
    return type(value).__name__


def _quote(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _found(value: Any) -> str:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return "it has " + (", ".join(_quote(item) for item in value) or "nothing")
    if isinstance(value, str | int | float | bool):
        return f"it is {_quote(value)}"
    return f"it is {_kind_of(value)}"


def _owner(parts: Sequence[str | int]) -> str:
    """The property that holds the object at ``parts`` (list indexes skipped)."""
    for part in reversed(parts):
        if isinstance(part, str):
            return part
    return ""


def _is_language_map_error(error: ValidationError) -> bool:
    return "propertyNames" in error.relative_schema_path


def _is_language_map_branch(errors: list[ValidationError]) -> bool:
    """Whether a branch is the schema's language-map alternative (``{"en": "..."}``)."""
    return any(
        _is_language_map_error(error)
        or (isinstance(error.schema, dict) and "propertyNames" in error.schema)
        for error in errors
    )


def _branches(error: ValidationError) -> dict[Any, list[ValidationError]]:
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context or []:
        key = sub.relative_schema_path[0] if sub.relative_schema_path else None
        branches.setdefault(key, []).append(sub)
    return branches


def _mismatched(errors: list[ValidationError], path: Sequence[Any]) -> bool:
    """Whether a branch fails on the value's basic shape, so it was never the one meant."""
    for error in errors:
        if list(error.absolute_path) != list(path):
            continue
        if error.validator == "type" or _is_language_map_error(error):
            return True
        if (
            error.validator in ("oneOf", "anyOf")
            and error.context
            and all(_mismatched(sub, path) for sub in _branches(error).values())
        ):
            return True
    return False


def _expected_kinds(error: ValidationError, path: Sequence[Any]) -> list[str]:
    """JSON types a value at ``path`` could have had, leaving out language maps."""
    kinds: list[str] = []
    for branch in _branches(error).values():
        if _is_language_map_branch(branch):
            continue
        for sub in branch:
            if list(sub.absolute_path) != list(path):
                continue
            if sub.validator == "type":
                values = sub.validator_value
                for kind in [values] if isinstance(values, str) else values:
                    if kind not in kinds:
                        kinds.append(kind)
            elif sub.validator in ("oneOf", "anyOf"):
                kinds.extend(k for k in _expected_kinds(sub, path) if k not in kinds)
    return kinds


def _leaves(error: ValidationError) -> list[ValidationError]:
    """The errors that say what is actually wrong, following the branch that was meant."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return [error]
    path = list(error.absolute_path)
    viable = [branch for branch in _branches(error).values() if not _mismatched(branch, path)]
    if not viable:
        return [error]
    expanded = [[leaf for sub in branch for leaf in _leaves(sub)] for branch in viable]
    return min(expanded, key=len)


def _missing_message(error: ValidationError, parts: list[str | int]) -> SchemaProblem:
    match = _REQUIRED.match(error.message)
    name = match.group("name") if match else str(error.validator_value)
    owner = _owner(parts)
    hint = _MISSING_HINTS.get((owner, name)) or _MISSING_HINTS.get(name)
    legacy = isinstance(error.instance, dict) and "issuanceDate" in error.instance
    if name == "validFrom" and legacy:
        hint = f"{hint} (VC 2.0 uses validFrom where VC 1.1 used issuanceDate)"
    if hint is None:
        described = (error.schema.get("properties", {}).get(name) or {}).get("description")
        hint = described.split(". ")[0].rstrip(".") if described else "it is required"
    path = format_path([*parts, name])
    return SchemaProblem(path, f"{path} is missing: {hint}")


def _one_of(values: Sequence[Any]) -> str:
    quoted = [_quote(value) for value in values]
    return quoted[0] if len(quoted) == 1 else "one of " + ", ".join(quoted)


def _message(error: ValidationError, parts: list[str | int]) -> SchemaProblem:
    path = format_path(parts)
    value = error.instance
    keyword = error.validator
    if keyword == "required":
        return _missing_message(error, parts)
    if keyword == "contains":
        wanted = error.validator_value
        options = wanted.get("enum") or ([wanted["const"]] if "const" in wanted else None)
        if options:
            either = " or ".join(_quote(option) for option in options)
            return SchemaProblem(path, f"{path} must include {either} ({_found(value)})")
    if keyword in ("enum", "const"):
        options = error.validator_value if keyword == "enum" else [error.validator_value]
        if "@context" in parts and options == [_W3C_V2]:
            note = _VC_1_1_NOTE if value == _W3C_V1 else ""
            return SchemaProblem(
                path,
                f"{path} must be {_W3C_V2}: the W3C Verifiable Credentials 2.0 context comes "
                f"first ({_found(value)}){note}",
            )
        return SchemaProblem(path, f"{path} must be {_one_of(options)} ({_found(value)})")
    if keyword == "pattern":
        if "@context" in parts:
            spec, example = _CLR_CONTEXT if "/clr/" in error.validator_value else _OB_CONTEXT
            return SchemaProblem(
                path, f"{path} must be the {spec} context URL, e.g. {example} ({_found(value)})"
            )
        return SchemaProblem(path, f"{path} is not in the expected form ({_found(value)})")
    if keyword == "format":
        if error.validator_value == "date-time":
            return SchemaProblem(
                path,
                f"{path} must be a date and time with a time zone, e.g. 2024-05-01T00:00:00Z "
                f"({_found(value)})",
            )
        if error.validator_value == "date":
            return SchemaProblem(path, f"{path} must be a date, e.g. 2024-05-01 ({_found(value)})")
    if keyword == "minItems":
        count = error.validator_value
        entries = "entry" if count == 1 else "entries"
        return SchemaProblem(path, f"{path} must list at least {count} {entries}")
    if keyword == "type":
        kinds = error.validator_value
        kinds = [kinds] if isinstance(kinds, str) else kinds
        wanted = " or ".join(_JSON_KINDS.get(kind, kind) for kind in kinds)
        return SchemaProblem(path, f"{path} must be {wanted} (it is {_kind_of(value)})")
    if keyword in ("oneOf", "anyOf"):
        kinds = _expected_kinds(error, list(error.absolute_path))
        if kinds:
            wanted = " or ".join(_JSON_KINDS.get(kind, kind) for kind in kinds)
            return SchemaProblem(path, f"{path} must be {wanted} (it is {_kind_of(value)})")
        return SchemaProblem(path, f"{path} does not have an accepted form")
    if keyword == "additionalProperties" and error.validator_value is False:
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(value) - set(allowed)) if isinstance(value, dict) else []
        return SchemaProblem(
            path,
            f"{path} has fields that are not allowed here ({', '.join(extra)}); "
            f"allowed fields are {', '.join(allowed)}",
        )
    return SchemaProblem(path, f"{path}: {error.message}")


def problems_from_errors(
    errors: Iterable[ValidationError], prefix: Sequence[str | int] = ()
) -> list[SchemaProblem]:
    """Readable, de-duplicated problems for ``errors``, paths prefixed by ``prefix``."""
    problems: list[SchemaProblem] = []
    for error in errors:
        for leaf in _leaves(error):
            problem = _message(leaf, [*prefix, *leaf.absolute_path])
            if problem not in problems:
                problems.append(problem)
    return problems
