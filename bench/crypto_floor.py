"""The AnonCreds crypto floor of one benchmark flow: the native calls alone, in-process.

One flow's AnonCreds work, timed as CPU (``time.thread_time``) around each synchronous native
call of the ``anoncreds`` package: the college (issuer) makes an offer and signs the credential
(a fresh revocation index per flow); the learner (holder) makes the request, processes the
credential, builds its non-revocation witness and the presentation; the employer (verifier)
verifies it against the status list. The request has the shape of ``skill_proof_request``.
Variants in the same run attribute the cost: ``as_flow`` (revocable, ``level >= 3`` predicate,
"now" interval), ``no_predicate`` (skill and level revealed) and ``no_revocation`` (a
non-revocable cred def, no interval). No agents, no storage, no JSON (un)marshalling: what is
left of an agent's CPU above this floor is ours, not AnonCreds'.

    python -m bench.crypto_floor [--registry-size 128] [--flows 20] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, TypeVar

from anoncreds import (
    Credential,
    CredentialDefinition,
    CredentialDefinitionPrivate,
    CredentialOffer,
    CredentialRequest,
    CredentialRevocationConfig,
    CredentialRevocationState,
    KeyCorrectnessProof,
    Presentation,
    PresentCredentials,
    RevocationRegistryDefinition,
    RevocationRegistryDefinitionPrivate,
    RevocationStatusList,
    Schema,
    create_link_secret,
)

from ler_node.network.flows import skill_proof_request

from .flowkit import percentile
from .ler_stack import SKILLS, WELDER

WARM_UP = 2
ISSUER = "did:ler:bench:7Tqg6BwSSWapxgUDm9KKgg"
HOLDER_DID = "did:ler:bench:3avoBCqDMFHFaKUHug9s8W"
SIDES = {
    "CredentialOffer.create": "issuer",
    "Credential.create": "issuer",
    "CredentialRequest.create": "holder",
    "Credential.process": "holder",
    "CredentialRevocationState.create": "holder",
    "Presentation.create": "holder",
    "Presentation.verify": "verifier",
}
VARIANTS = {  # name: (revocable, predicate, what)
    "as_flow": (True, True, "revocable, skill revealed, level >= 3, 'now' non_revoked interval"),
    "no_predicate": (True, False, "revocable, skill and level revealed, 'now' interval"),
    "no_revocation": (False, True, "non-revocable cred def, skill revealed, level >= 3"),
}
T = TypeVar("T")


@dataclass
class Issuer:
    """A schema and cred def, and for a revocable one its registry, status list and tails."""

    schema_id: str
    schema: Schema
    cred_def_id: str
    cred_def: CredentialDefinition
    cred_def_private: CredentialDefinitionPrivate
    key_proof: KeyCorrectnessProof
    rev_reg_def_id: str = ""
    rev_reg_def: RevocationRegistryDefinition | None = None
    rev_reg_private: RevocationRegistryDefinitionPrivate | None = None
    status_list: RevocationStatusList | None = None


def setup(revocable: bool, registry_size: int, tails_dir: Path, seq: int) -> Issuer:
    """Create (untimed) the issuer's objects, with did:ler shaped identifiers."""
    schema_id = f"{ISSUER}/anoncreds/v0/SCHEMA/{SKILLS}/1.0"
    schema = Schema.create(SKILLS, "1.0", ISSUER, list(WELDER))
    cred_def_id = f"{ISSUER}/anoncreds/v0/CLAIM_DEF/{seq}/default"
    cred_def, private, key_proof = CredentialDefinition.create(
        schema_id, schema, ISSUER, "default", "CL", support_revocation=revocable
    )
    issuer = Issuer(schema_id, schema, cred_def_id, cred_def, private, key_proof)
    if revocable:
        issuer.rev_reg_def_id = f"{ISSUER}/anoncreds/v0/REV_REG_DEF/{seq + 1}/default/0"
        issuer.rev_reg_def, issuer.rev_reg_private = RevocationRegistryDefinition.create(
            cred_def_id,
            cred_def,
            ISSUER,
            "0",
            "CL_ACCUM",
            registry_size,
            tails_dir_path=str(tails_dir),
        )
        issuer.status_list = RevocationStatusList.create(
            cred_def,
            issuer.rev_reg_def_id,
            issuer.rev_reg_def,
            issuer.rev_reg_private,
            ISSUER,
            timestamp=int(time.time()),
        )
    return issuer


def proof_request(issuer: Issuer, predicate: bool, nonce: int) -> dict[str, Any]:
    """``skill_proof_request`` (level revealed instead of the predicate when not ``predicate``;
    no interval for a non-revocable cred def), with a fresh nonce."""
    request = skill_proof_request(issuer.cred_def_id)
    if not predicate:
        level = request.pop("requested_predicates").pop("level")
        request["requested_attributes"]["level"] = {
            "name": "level",
            "restrictions": level["restrictions"],
        }
        request["requested_predicates"] = {}
    if issuer.rev_reg_def is None:
        del request["non_revoked"]
    return request | {"nonce": str(nonce)}


class Timer:
    """CPU ms of each named call (this thread's CPU: the calls are synchronous native code)."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}

    def __call__(self, name: str, call: Callable[[], T]) -> T:
        start = time.thread_time()
        result = call()
        self.ms[name] = (time.thread_time() - start) * 1000
        return result


def one_flow(issuer: Issuer, link_secret: str, index: int, predicate: bool) -> dict[str, float]:
    """One credential issued at ``index`` and one proof of it; CPU ms per native call."""
    i, timed = issuer, Timer()
    offer = timed(
        "CredentialOffer.create",
        lambda: CredentialOffer.create(i.schema_id, i.cred_def_id, i.key_proof),
    )
    request, metadata = timed(
        "CredentialRequest.create",
        lambda: CredentialRequest.create(
            HOLDER_DID, None, i.cred_def, link_secret, "default", offer
        ),
    )
    revocation = None
    if i.rev_reg_def and i.rev_reg_private and i.status_list:
        revocation = CredentialRevocationConfig(
            i.rev_reg_def, i.rev_reg_private, i.status_list, index
        )
    issued = timed(
        "Credential.create",
        lambda: Credential.create(
            i.cred_def, i.cred_def_private, offer, request, WELDER, None, revocation
        ),
    )
    credential = timed(
        "Credential.process",
        lambda: issued.process(metadata, link_secret, i.cred_def, i.rev_reg_def),
    )
    pres_request = proof_request(i, predicate, index)
    when: int | None = None
    state = status_list = rev_reg_defs = None
    if i.rev_reg_def and i.status_list:
        when = pres_request["non_revoked"]["to"]
        # the status list as of "now" (update_timestamp_only is broken in anoncreds 0.2.3)
        status_list = RevocationStatusList.load(i.status_list.to_dict() | {"timestamp": when})
        rev_reg_def, rev_reg_defs = i.rev_reg_def, {i.rev_reg_def_id: i.rev_reg_def}
        state = timed(
            "CredentialRevocationState.create",
            lambda: CredentialRevocationState.create(
                rev_reg_def, status_list, index, rev_reg_def.tails_location
            ),
        )
    present = PresentCredentials()
    present.add_attributes(
        credential, *pres_request["requested_attributes"], timestamp=when, rev_state=state
    )
    present.add_predicates(
        credential, *pres_request["requested_predicates"], timestamp=when, rev_state=state
    )
    schemas = {i.schema_id: i.schema}
    cred_defs = {i.cred_def_id: i.cred_def}
    presentation = timed(
        "Presentation.create",
        lambda: Presentation.create(pres_request, present, {}, link_secret, schemas, cred_defs),
    )
    lists = [status_list] if status_list else None
    if not timed(
        "Presentation.verify",
        lambda: presentation.verify(pres_request, schemas, cred_defs, rev_reg_defs, lists),
    ):
        raise RuntimeError(f"the presentation of credential {index} did not verify")
    return timed.ms


def summarize(flows: list[dict[str, float]]) -> dict[str, Any]:
    """Median and p90 CPU ms per call; per side and in all, the per-flow sum of medians and the
    mean of per-flow sums."""
    calls: dict[str, Any] = {}
    per_flow: dict[str, Any] = {}
    for name in flows[0]:
        values = sorted(flow[name] for flow in flows)
        calls[name] = {
            "side": SIDES[name],
            "median_ms": round(statistics.median(values), 2),
            "p90_ms": round(percentile(values, 0.9), 2),
        }
    for side in ("issuer", "holder", "verifier", None):
        names = [n for n in calls if side is None or SIDES[n] == side]
        per_flow[side or "total"] = {
            "sum_of_medians_ms": round(sum(calls[n]["median_ms"] for n in names), 2),
            "mean_ms": round(statistics.mean(sum(f[n] for n in names) for f in flows), 2),
        }
    return {"calls": calls, "per_flow": per_flow}


def measure(
    registry_size: int = 128, flows: int = 20, log: Callable[[str], None] = lambda _m: None
) -> dict[str, Any]:
    """Each variant: ``flows`` timed flows after WARM_UP, on its own registry of
    ``registry_size`` (a fresh index per flow). Blocking: run it in a thread from async code."""
    if flows < 1 or flows + WARM_UP > registry_size:
        raise ValueError(f"need 1 <= flows + {WARM_UP} warm-ups <= registry size {registry_size}")
    began = time.perf_counter()
    link_secret = create_link_secret()
    variants: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="ler-bench-floor-") as tails:
        for seq, (name, (revocable, predicate, what)) in enumerate(VARIANTS.items(), 1):
            started = time.perf_counter()
            issuer = setup(revocable, registry_size, Path(tails), 10 * seq)
            log(f"{name}: set up in {time.perf_counter() - started:.1f} s")
            runs = [one_flow(issuer, link_secret, n + 1, predicate) for n in range(flows + WARM_UP)]
            variants[name] = {"what": what} | summarize(runs[WARM_UP:])
            total = variants[name]["per_flow"]["total"]["mean_ms"]
            log(f"{name}: {flows} flows, {total} CPU ms per flow")
    totals = {name: v["per_flow"]["total"]["mean_ms"] for name, v in variants.items()}
    return {
        "anoncreds": version("anoncreds"),
        "clock": "time.thread_time around each native call (objects passed as handles)",
        "registry_size": registry_size,
        "flows": flows,
        "warm_ups": WARM_UP,
        "cpu_s_per_flow": round(totals["as_flow"] / 1000, 3),
        "predicate_ms_per_flow": round(totals["as_flow"] - totals["no_predicate"], 2),
        "revocation_ms_per_flow": round(totals["as_flow"] - totals["no_revocation"], 2),
        "variants": variants,
        "run_s": round(time.perf_counter() - began, 1),
    }


def log(message: str) -> None:
    """Progress on stderr (stdout carries only the JSON)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main() -> None:
    """Parse arguments, measure, print JSON (saved to --out when given)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry-size", type=int, default=128)
    parser.add_argument("--flows", type=int, default=20, help="timed flows per variant")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    results = measure(args.registry_size, args.flows, log)
    text = json.dumps(results, indent=2)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
