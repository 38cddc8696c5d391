"""Check the ``type`` of each nested object against the class the specification names.

OB 3.0 and CLR 2.0 say, for example, that ``issuer.type`` MUST include ``Profile`` and each
``evidence[].type`` MUST include ``Evidence``. The official JSON Schema (its JSON-LD
adaptation) enforces this only when ``type`` is a list: a single text value such as
``"InvalidEvidence"`` passes. These checks close that gap, as 1EdTech's own validator does
with a separate probe; they walk only the properties listed in :data:`_PROPERTIES`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .errors import SchemaProblem
from .schema_messages import format_path

__all__ = ["type_problems"]

#: Accepted ``type`` values for each class (by default, the class name itself).
_ACCEPTED: dict[str, tuple[str, ...]] = {
    "AchievementCredential": ("AchievementCredential", "OpenBadgeCredential"),
}

#: For each class, the properties holding objects of a known class (one object or a list).
_PROPERTIES: dict[str, dict[str, str]] = {
    "AchievementCredential": {
        "issuer": "Profile",
        "credentialSubject": "AchievementSubject",
        "evidence": "Evidence",
        "endorsement": "EndorsementCredential",
        "image": "Image",
    },
    "EndorsementCredential": {
        "issuer": "Profile",
        "credentialSubject": "EndorsementSubject",
        "evidence": "Evidence",
    },
    "ClrCredential": {
        "issuer": "Profile",
        "credentialSubject": "ClrSubject",
        "endorsement": "EndorsementCredential",
        "image": "Image",
    },
    "ClrSubject": {
        "achievement": "Achievement",
        "association": "Association",
        "identifier": "IdentityObject",
    },
    "Profile": {
        "parentOrg": "Profile",
        "otherIdentifier": "IdentifierEntry",
        "endorsement": "EndorsementCredential",
        "image": "Image",
        "address": "Address",
    },
    "AchievementSubject": {
        "achievement": "Achievement",
        "identifier": "IdentityObject",
        "result": "Result",
        "source": "Profile",
        "image": "Image",
    },
    "Achievement": {
        "creator": "Profile",
        "alignment": "Alignment",
        "resultDescription": "ResultDescription",
        "related": "Related",
        "otherIdentifier": "IdentifierEntry",
        "endorsement": "EndorsementCredential",
        "image": "Image",
    },
    "ResultDescription": {
        "alignment": "Alignment",
        "rubricCriterionLevel": "RubricCriterionLevel",
    },
    "Result": {"alignment": "Alignment"},
    "RubricCriterionLevel": {"alignment": "Alignment"},
    "Address": {"geo": "GeoCoordinates"},
}


def _types(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return None


def _walk(node: Mapping[str, Any], cls: str, parts: list[str | int]) -> Iterator[SchemaProblem]:
    accepted = _ACCEPTED.get(cls, (cls,))
    types = _types(node.get("type"))
    if types is not None and not any(name in types for name in accepted):
        path = format_path([*parts, "type"])
        either = " or ".join(f'"{name}"' for name in accepted)
        found = ", ".join(f'"{name}"' for name in types) or "nothing"
        yield SchemaProblem(path, f"{path} must include {either} (it has {found})")
    for prop, child_cls in _PROPERTIES.get(cls, {}).items():
        value = node.get(prop)
        if isinstance(value, Mapping):
            yield from _walk(value, child_cls, [*parts, prop])
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    yield from _walk(item, child_cls, [*parts, prop, index])


def type_problems(
    credential: Mapping[str, Any], cls: str, prefix: Sequence[str | int] = ()
) -> list[SchemaProblem]:
    """Problems with nested ``type`` values of a credential of class ``cls``."""
    return list(_walk(credential, cls, list(prefix)))
