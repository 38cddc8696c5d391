"""schemathesis over a public HTTP service: no input may get a 5xx, a non-JSON error or a dropped
connection (the services' own ``/openapi.json``, or a document a test writes)."""

from __future__ import annotations

from typing import Any

import hypothesis
import hypothesis.errors
import requests
import schemathesis

MAX_EXAMPLES = 50


def problems_with(
    schema: Any,
    base_url: str,
    path_parameters: dict[str, str] | None = None,
    max_examples: int = MAX_EXAMPLES,
) -> list[str]:
    """Run every operation with valid and invalid input; return what went wrong.

    ``path_parameters`` fixes some path parameters (e.g. a DID on the ledger, so that fuzzed
    query options reach the ledger instead of stopping at an unknown DID).
    """
    problems: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in schemathesis.GenerationMode:
            fixed = {
                name: value
                for name, value in (path_parameters or {}).items()
                if f"{{{name}}}" in operation.path
            }
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed or None)

            @hypothesis.given(case=strategy)
            @hypothesis.settings(
                max_examples=max_examples,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(hypothesis.HealthCheck),
            )
            def check(case: schemathesis.Case) -> None:
                what = f"{case.method} {case.formatted_path} {case.query or ''}"
                try:
                    response = case.call(base_url=base_url, timeout=20)
                except requests.RequestException as exc:
                    problems.append(f"{what}: connection failed: {exc}")
                    return
                content_type = str(response.headers.get("content-type"))
                if response.status_code >= 500:
                    problems.append(f"{what}: {response.status_code} {response.text[:200]}")
                elif response.status_code >= 400 and "json" not in content_type:
                    problems.append(f"{what}: {response.status_code} is not JSON")

            try:
                check()
            except hypothesis.errors.Unsatisfiable:
                if mode is schemathesis.GenerationMode.POSITIVE:
                    raise  # only an operation without inputs has no invalid input to try
    return problems
