"""Reading a batch of learners from a CSV file and checking every row before anything is issued.

Columns (the first line names them, in any order, any case):

``name``, ``email``
    required: the learner and where the invitation goes;
``type``
    the credential type's name; without this column every row gets the type picked on the form;
a skill of the type (its O*NET code or name)
    the level this learner reached (1-4 or the level's name); empty keeps the type's level.

A file with other columns, no rows or too many is refused whole (:class:`CsvRefused`); a row with
a problem is kept with its problems in plain words, so the others can still be issued.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .registrar_issuing import check_email

MAX_BYTES = 200 * 1024
MAX_ROWS = 500
REQUIRED = ("name", "email")


class CsvRefused(ValueError):
    """The whole file cannot be used; the message says why and what to change."""


@dataclass
class Row:
    """One learner of the file (``number`` counts the header as line 1, like a spreadsheet)."""

    number: int
    name: str
    email: str
    credential_type: dict[str, Any] | None
    levels: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _text(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise CsvRefused(f"The file is larger than {MAX_BYTES // 1024} KB. Split it in parts.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvRefused("The file is not a text (CSV) file. Save it from your spreadsheet as CSV.")


def _skill_columns(
    headers: Sequence[str], types: Sequence[dict[str, Any]]
) -> dict[str, dict[str, str]]:
    """Each header that names a skill -> {type name: O*NET code of the skill in that type}."""
    found: dict[str, dict[str, str]] = {}
    for header in headers:
        for credential_type in types:
            for skill in credential_type["skills"]:
                if header in (skill["skill"].lower(), str(skill.get("name", "")).lower()):
                    found.setdefault(header, {})[credential_type["name"]] = skill["skill"]
    return found


def _level(value: str, levels: Sequence[dict[str, Any]]) -> int | None:
    wanted = value.strip().lower()
    for level in levels:
        if wanted in (str(level["level"]), str(level["name"]).lower()):
            return int(level["level"])
    return None


def read_batch(
    data: bytes,
    types: Sequence[dict[str, Any]],
    chosen: dict[str, Any] | None,
    levels: Sequence[dict[str, Any]],
) -> list[Row]:
    """Every row of the file, each with its problems (none when it can be issued)."""
    reader = csv.reader(io.StringIO(_text(data), newline=""))
    try:
        lines = list(reader)
    except csv.Error as exc:
        raise CsvRefused(f"The file is not a CSV file we can read ({exc}).") from exc
    lines = [line for line in lines if any(cell.strip() for cell in line)]
    if not lines:
        raise CsvRefused("The file is empty. Its first line names the columns: name,email.")
    given = {cell.strip().lower(): cell.strip() for cell in lines[0]}  # as the file spells them
    headers = [cell.strip().lower() for cell in lines[0]]
    skills = _skill_columns(headers, types)
    missing = [name for name in REQUIRED if name not in headers]
    unknown = [h for h in headers if h not in (*REQUIRED, "type") and h not in skills]
    if missing or unknown or len(set(headers)) != len(headers):
        problems = []
        if missing:
            problems.append("it has no column " + " and no column ".join(missing))
        if unknown:
            problems.append(
                "we do not know the column " + ", ".join(repr(given[h]) for h in unknown)
            )
        if len(set(headers)) != len(headers):
            problems.append("a column is named twice")
        raise CsvRefused(
            f"The first line of the file names its columns, and {'; '.join(problems)}. Use "
            "name, email, type (optional) and a skill of the credential type with the level "
            "reached (optional)."
        )
    if "type" not in headers and chosen is None:
        raise CsvRefused("Pick the credential type, or add a type column to the file.")
    if len(lines) - 1 > MAX_ROWS:
        raise CsvRefused(f"The file has more than {MAX_ROWS} learners. Split it in parts.")
    if len(lines) == 1:
        raise CsvRefused("The file names its columns but has no learners after the first line.")
    by_name = {t["name"].casefold(): t for t in types}
    rows: list[Row] = []
    seen: dict[tuple[str, str], int] = {}
    for number, line in enumerate(lines[1:], start=2):
        cells = {h: (line[i].strip() if i < len(line) else "") for i, h in enumerate(headers)}
        row = Row(number, cells["name"], cells["email"], chosen)
        if len(line) > len(headers):
            row.problems.append("It has more cells than the file has columns.")
        if not row.name or len(row.name) > 100:
            row.problems.append("The name is missing or longer than 100 characters.")
        email = check_email(row.email)
        if email is None:
            row.problems.append(f"{row.email or 'The e-mail address'!r} is not an e-mail address.")
        if "type" in headers and cells["type"]:
            row.credential_type = by_name.get(cells["type"].casefold())
            if row.credential_type is None:
                row.problems.append(
                    f"There is no credential type called {cells['type']!r}. Define it first."
                )
        elif row.credential_type is None:
            row.problems.append("The type is empty and no credential type was picked.")
        if row.credential_type is not None:
            _read_levels(row, cells, {given[h]: codes for h, codes in skills.items()}, levels)
            key = ((email or row.email).lower(), row.credential_type["name"])
            if key in seen:
                row.problems.append(f"The same learner and type are on line {seen[key]} too.")
            seen.setdefault(key, number)
        rows.append(row)
    return rows


def _read_levels(
    row: Row,
    cells: dict[str, str],
    skills: dict[str, dict[str, str]],
    levels: Sequence[dict[str, Any]],
) -> None:
    assert row.credential_type is not None
    type_name = row.credential_type["name"]
    for header, codes in skills.items():
        value = cells.get(header.lower(), "")
        if not value:
            continue
        if type_name not in codes:
            row.problems.append(f"{type_name} does not certify the skill {header!r}.")
            continue
        level = _level(value, levels)
        if level is None:
            names = ", ".join(f"{lvl['level']} ({lvl['name']})" for lvl in levels)
            row.problems.append(f"{value!r} is not a level of {header!r}: use {names}.")
        else:
            row.levels[codes[type_name]] = level
