"""Reuse ACA-Py's marshmallow schema instances instead of building one per model (de)serialization.

ACA-Py 1.7's ``BaseModel.serialize`` and ``BaseModel.deserialize`` build a new schema instance on
every call, and building one deep-copies and binds every declared field. Records and messages
are (de)serialized many times per exchange (each load, save and webhook), so in the flow
benchmark this was about an eighth of each agent's CPU. Here each (schema class, ``unknown``)
keeps a few ready instances:

- **One call at a time.** A call takes an instance out of its pool and puts it back after, so a
  reentrant call (a model whose constructor deserializes another of its kind) or another thread
  gets an instance of its own.
- **No state crosses calls.** Marshmallow keeps none between calls. ACA-Py's
  ``AgentMessageSchema`` keeps the decorators of the message it loads on the instance (its
  ``pre_load`` hook adds them to ``self._decorators`` and ``post_load`` hands that set to the
  message), so its ``pre_load`` hook now starts every load with an empty set; its dump state is
  rebuilt by its ``pre_dump`` hook already.

What a call returns or raises is ACA-Py's: the same schema class, options and errors. Plugin
config ``ler.schema_reuse: false`` keeps ACA-Py's own methods (to compare).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from acapy_agent.messaging.agent_message import AgentMessageSchema
from acapy_agent.messaging.decorators.default import DecoratorSet
from acapy_agent.messaging.models import base
from marshmallow import EXCLUDE, ValidationError

from .acapy_patches import Patch, install_all, restore_all

#: idle instances kept per (schema class, unknown); more are built when calls overlap
POOL_SIZE = 4

_pools: dict[tuple[type, str], list[base.BaseModelSchema]] = {}


@contextmanager
def pooled(schema_class: type[base.BaseModelSchema], unknown: str) -> Iterator[Any]:
    """A schema instance for one call, returned to its pool afterwards."""
    pool = _pools.setdefault((schema_class, unknown), [])
    try:
        schema = pool.pop()
    except IndexError:
        schema = schema_class(unknown=unknown)
    try:
        yield schema
    finally:
        if len(pool) < POOL_SIZE:
            pool.append(schema)


def _unknown(schema_class: type, unknown: str | None) -> str:
    return unknown or base.resolve_meta_property(schema_class, "unknown", EXCLUDE)


def deserialize(
    cls: type[base.BaseModel],
    obj: Mapping[str, Any] | str | None,
    *,
    unknown: str | None = None,
    none2none: bool = False,
) -> Any:
    """``BaseModel.deserialize`` with a pooled schema instance."""
    if obj is None and none2none:
        return None
    schema_class = cls._get_schema_class()
    with pooled(schema_class, _unknown(schema_class, unknown)) as schema:
        try:
            return schema.loads(obj) if isinstance(obj, str) else schema.load(obj)
        except (AttributeError, ValidationError) as err:
            base.LOGGER.exception(f"{cls.__name__} message validation error:")
            raise base.BaseModelError(f"{cls.__name__} schema validation failed") from err


def serialize(
    self: base.BaseModel, *, as_string: bool = False, unknown: str | None = None
) -> dict[str, Any] | str:
    """``BaseModel.serialize`` with a pooled schema instance."""
    schema_class = self._get_schema_class()
    with pooled(schema_class, _unknown(schema_class, unknown)) as schema:
        try:
            if as_string:
                return schema.dumps(self, separators=(",", ":"))
            return schema.dump(self)
        except (AttributeError, ValidationError, TypeError) as err:
            name = type(self).__name__
            base.LOGGER.exception(f"{name} message serialization error:")
            raise base.BaseModelError(f"{name} schema validation failed") from err


def _fresh_decorators(extract: Any) -> Any:
    """The ``pre_load`` hook, starting each load with an empty decorator set."""

    @functools.wraps(extract)  # keeps marshmallow's hook marker
    def extract_decorators(self: AgentMessageSchema, data: Mapping, **kwargs: Any) -> Any:
        self._decorators = DecoratorSet()
        return extract(self, data, **kwargs)

    return extract_decorators


PATCHES: tuple[Patch, ...] = (
    (base.BaseModel, "deserialize", lambda _: classmethod(deserialize)),
    (base.BaseModel, "serialize", lambda _: serialize),
    (AgentMessageSchema, "extract_decorators", _fresh_decorators),
)


def install(on: bool = True) -> bool:
    """Patch ACA-Py's BaseModel (once per process) if ``on``; whether it is patched."""
    return install_all(
        PATCHES, on, "schema reuse off: ACA-Py builds a schema per (de)serialization"
    )


def uninstall() -> None:
    """Put ACA-Py's own methods back and drop the pools (tests compare both)."""
    restore_all(PATCHES)
    _pools.clear()
