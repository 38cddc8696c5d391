"""schemathesis over the hosted agent's tenant routes (``ler_tenants``): no input gets a 5xx.

Random wallet ids name no tenant, so the fuzz cannot suspend, delete or restore a real one.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings
from netkit import Network
from schemathesis import Case, GenerationMode
from schemathesis.openapi import from_url

pytestmark = pytest.mark.e2e

EXAMPLES = 15
TENANT_PATHS = r"^/ler/(tenants|wallet)"


@pytest.fixture(scope="module")
def admin(network: Network) -> Iterator[tuple[str, requests.Session]]:
    home = network.home("hosted")
    session = requests.Session()
    session.headers["x-api-key"] = home.secrets()["api_key"]
    yield home.admin_url, session
    session.close()


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_no_tenant_route_fails_on_any_input(admin: tuple[str, requests.Session], mode: str) -> None:
    base_url, http = admin
    schema = from_url(f"{base_url}/api/docs/swagger.json", headers=dict(http.headers))
    operations = [r.ok() for r in schema.include(path_regex=TENANT_PATHS).get_all_operations()]
    assert {"/ler/tenants/{wallet_id}/suspend", "/ler/wallet/backup"} <= {
        op.path for op in operations
    }
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=GenerationMode(mode)))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Case) -> None:
            if case.headers:
                case.headers.pop("Authorization", None)
            response = case.call(base_url=base_url, session=http, timeout=30)
            where = f"{case.method} {case.formatted_path[:200]} -> {response.status_code}"
            assert response.status_code < 500, f"{where}: {response.text[:300]}"
            if response.status_code >= 400:
                assert "json" in str(response.headers.get("content-type")), where

        try:
            run()
        except AssertionError as failure:
            failures.append(str(failure))
    assert not failures, "\n\n".join(failures)
