"""How the state's issuer registry names the local colleges: ``<data>/issuer-registry.yml``.

The state's agent lists accredited colleges by DID; this file (``ler_badges.issuer_registry.
profiles``) gives each a display name, a location and a Credential Engine CTID, so a verifier
shows "Prairie Ridge Community College" rather than a DID. On the local network every value is an
example: the names come from the network file, the locations and CTIDs are made up. Entries the
operator already has are kept; colleges missing from the file are added.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from .spec import NetworkSpec

FILE_NAME = "issuer-registry.yml"
HEADER = (
    "# The state's issuer registry: how verifiers show each college (by its did:ler).\n"
    "# Written by ler-node for the local network: EXAMPLE VALUES. The CTIDs are made up (not\n"
    "# Credential Engine records) and the locations are fictional; edit them for a real network.\n"
)
EXAMPLE_LOCATION = "Prairie Ridge, IN, USA (example)"


def profiles_file(data_dir: Path) -> Path:
    """Where the local network keeps the registry's display fields."""
    return data_dir / FILE_NAME


def example_ctid(index: int) -> str:
    """A CTID-shaped value that is plainly not a real one (``ce-00000000-...-<n>``)."""
    return f"ce-00000000-0000-4000-8000-{index:012d}"


def write_registry_profiles(data_dir: Path, spec: NetworkSpec, dids: Mapping[str, str]) -> Path:
    """Add an example profile for each college in ``dids`` (agent id -> did:ler) not yet listed."""
    path = profiles_file(data_dir)
    current: dict[str, Any] = {}
    if path.is_file():
        try:
            loaded = yaml.safe_load(path.read_text("utf-8"))
        except yaml.YAMLError:
            return path  # the operator's file, unreadable: left as it is (the agent logs it)
        current = dict(loaded) if isinstance(loaded, dict) else {}
    added = False
    for index, college in enumerate(spec.by_role("issuer"), start=1):
        did = dids.get(college.id)
        if did and did not in current:
            current[did] = {
                "name": college.name,
                "location": EXAMPLE_LOCATION,
                "ctid": example_ctid(index),
            }
            added = True
    if added or not path.is_file():
        path.write_text(HEADER + yaml.safe_dump(current, sort_keys=False), "utf-8")
    return path
