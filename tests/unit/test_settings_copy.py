"""A copy of ACA-Py's settings is its dictionary copied: the same items, order and independence.

Every agent of the suite's network runs with this on: each of their sessions starts from a copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from acapy_agent.config.injection_context import InjectionContext
from acapy_agent.config.settings import Settings

from ler_ledger import settings_copy

from .speedups import speedup_fixtures

acapys_own_first, installed = speedup_fixtures(settings_copy)
VALUES = {"wallet.type": "askar-anoncreds", "debug.webhooks": False, "plugin_config": {"a": 1}}


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Names of the settings read one by one (``Settings.get_value``)."""
    names: list[str] = []
    get_value = Settings.get_value

    def counted(self: Settings, *var_names: str, default: Any = None) -> Any:
        names.extend(var_names)
        return get_value(self, *var_names, default=default)

    monkeypatch.setattr(Settings, "get_value", counted)
    yield names


def _copied(context: InjectionContext) -> Settings:
    return context.copy().settings


@pytest.mark.usefixtures("installed")
def test_a_scope_gets_the_same_settings_at_once_and_its_own(reads: list[str]) -> None:
    context = InjectionContext(settings=VALUES)
    copy = _copied(context)
    assert reads == []
    assert list(copy.items()) == list(VALUES.items())
    copy["debug.webhooks"] = True
    assert context.settings["debug.webhooks"] is False
    assert copy["plugin_config"] is context.settings["plugin_config"]  # shallow, as ACA-Py's


def test_acapys_own_reads_each_setting(reads: list[str]) -> None:
    copy = _copied(InjectionContext(settings=VALUES))
    assert reads == list(VALUES)
    assert list(copy.items()) == list(VALUES.items())


@pytest.mark.usefixtures("installed")
@pytest.mark.parametrize("values", [VALUES, None, {}], ids=["dict", "none", "empty"])
def test_other_mappings_are_copied_as_acapy_does(values: dict[str, Any] | None) -> None:
    ours = Settings(values)
    settings_copy.uninstall()
    assert ours == Settings(values)
    assert ours._values is not values


def test_turned_off_acapys_method_stays() -> None:
    assert settings_copy.install(False) is False
    assert Settings.__init__.__qualname__ == "Settings.__init__"
