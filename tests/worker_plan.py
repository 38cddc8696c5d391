"""How ``make test`` shares the suite among pytest-xdist workers (``-n N --dist loadscope``).

- The modules that take longest go first, so none is left running alone at the end (xdist's
  loadscope otherwise sends modules in order of how many tests they hold).
- With three workers or more, the last one boots no session network and is given only modules
  that do not use it: booting one costs about 25 CPU-s of the machine's two cores, and the
  worker still fills the time the others spend waiting on agents (notes on issue #9).

Workers write which modules use the network to a file the controller names, once they have
collected; the controller's scheduler reads it. Without it the scheduler shares modules as
xdist does, and a network test sent to the last worker boots the network there first (slower,
still correct).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling

PLAN_KEY = "ler_plan"
#: Modules that take longest (seconds, measured in a serial run): sent first, longest first.
SLOW_FIRST = (
    "tests/docs/test_guides.py",  # 55 (its own network, and the LER story)
    "tests/e2e/test_faults.py",  # 49 (waits for interrupted exchanges to end)
    "tests/web/test_employer_request.py",  # 37 (waits for a request to expire)
    "tests/api/test_fuzz.py",  # 25
    "tests/web/test_registrar_batch.py",  # 18
    "tests/web/test_learner_wallet.py",  # 14
    "tests/hosted/test_hosted_tenants.py",  # 13
    "tests/tails/test_tails_service.py",  # 13
    "tests/hosted/test_store_rekey.py",  # 13
    "tests/ledger/test_nonces.py",  # 13
    "tests/e2e/test_anoncreds_flow.py",  # 13
)


def module_of(nodeid: str) -> str:
    """``tests/x/test_y.py`` of a node id."""
    return nodeid.split("::", 1)[0]


def networkless_worker(count: int) -> str | None:
    """The worker that boots no session network: the last of three or more."""
    return f"gw{count - 1}" if count >= 3 else None


def this_worker_is_networkless() -> bool:
    """Whether this process is that worker."""
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return worker is not None and worker == networkless_worker(count)


def slow_first(items: list[pytest.Item]) -> None:
    """Reorder ``items`` in place: the slow modules first, each module's tests kept together."""
    rank = {module: index for index, module in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(module_of(item.nodeid), len(rank)))


def write_plan(config: pytest.Config, items: list[pytest.Item], uses_network: Any) -> None:
    """On a worker: which modules use the session network, for the controller's scheduler."""
    path = getattr(config, "workerinput", {}).get(PLAN_KEY)
    if not path:
        return
    plan: dict[str, bool] = {}
    for item in items:
        module = module_of(item.nodeid)
        plan[module] = plan.get(module, False) or bool(uses_network(item))
    fd, temporary = tempfile.mkstemp(dir=Path(path).parent)
    with os.fdopen(fd, "w") as handle:
        json.dump(plan, handle)
    os.replace(temporary, path)


def plan_file(config: pytest.Config) -> Path:
    """On the controller: the file the workers write the plan to (made once)."""
    if not hasattr(config, "_ler_plan_file"):
        config._ler_plan_file = Path(tempfile.mkdtemp(prefix="ler-test-plan-")) / "plan.json"  # type: ignore[attr-defined]
    return config._ler_plan_file  # type: ignore[attr-defined]


class PlannedScheduling(LoadScopeScheduling):
    """loadscope, in collection order (slow modules first), with a network-less last worker."""

    def __init__(self, config: pytest.Config, log: Any = None) -> None:
        super().__init__(config, log)
        config.option.loadscopereorder = False  # keep the order slow_first gave
        self._plan_path = plan_file(config)
        self._uses_network: dict[str, bool] | None = None

    def _plan(self) -> dict[str, bool] | None:
        if self._uses_network is None:
            try:
                self._uses_network = json.loads(self._plan_path.read_text())
            except (OSError, ValueError):
                return None
        return self._uses_network

    def _assign_work_unit(self, node: Any) -> None:
        plan = self._plan()
        if plan is not None and node.gateway.id == networkless_worker(len(self.assigned_work)):
            fits = [s for s in self.workqueue if not plan.get(module_of(s), True)]
            if not fits:  # only network modules are left: this worker is done
                node.shutdown()
                return
            self.workqueue.move_to_end(fits[0], last=False)
        super()._assign_work_unit(node)
