"""Helpers shared by the tails server tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import FormData
from aiohttp.test_utils import TestClient


@dataclass(frozen=True)
class RealTails:
    """A tails file made by the anoncreds library, with its registry definition."""

    path: Path
    tails_hash: str
    rev_reg_def: dict[str, Any]
    max_cred_num: int

    @property
    def data(self) -> bytes:
        return self.path.read_bytes()


def tails_form(data: Any, field: str = "tails") -> FormData:
    """Build the multipart body ACA-Py's ``put_file`` sends: one octet-stream file field."""
    form = FormData()
    form.add_field(field, data, filename="tails", content_type="application/octet-stream")
    return form


ClientFactory = Callable[..., Awaitable[TestClient]]
