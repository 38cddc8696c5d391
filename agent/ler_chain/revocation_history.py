"""Revocation status lists as ledger entries: changed indices, packed, in a hash chain.

An entry stores only the indices whose bit flipped, as big-endian uint32s, so its cost depends on
how many credentials changed, never on the registry's size. Rebuilding the list as of an entry
replays the entries up to it; each entry's running hash must match the one the contract keeps.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from eth_utils import keccak

from .cache import LruCache
from .errors import LedgerInputError, LedgerIntegrityError

#: bit states kept per registry (the newest lists read), so a read replays only newer entries
SNAPSHOTS_KEPT = 4  # a state is one byte per credential: 4 x 8,192 B for a large college


def pack_indices(indices: Iterable[int]) -> bytes:
    """Sorted, de-duplicated indices as big-endian uint32s."""
    ordered = sorted(set(indices))
    if ordered and (ordered[0] < 0 or ordered[-1] >= 2**32):
        raise LedgerInputError("credential indices must be between 0 and 2**32 - 1")
    return b"".join(index.to_bytes(4, "big") for index in ordered)


def unpack_indices(packed: bytes) -> list[int]:
    """Inverse of :func:`pack_indices`."""
    if len(packed) % 4:
        raise LedgerIntegrityError(f"a packed index list has {len(packed)} bytes (not 4n)")
    return [int.from_bytes(packed[i : i + 4], "big") for i in range(0, len(packed), 4)]


def changed_indices(previous: Sequence[int], current: Sequence[int]) -> list[int]:
    """Indices whose bit differs between two lists of the same size."""
    if len(previous) != len(current):
        raise LedgerInputError(f"status lists differ in size ({len(previous)} and {len(current)})")
    return [i for i, (a, b) in enumerate(zip(previous, current, strict=True)) if a != b]


def set_indices(bits: Sequence[int]) -> list[int]:
    """Indices whose bit is 1."""
    return [i for i, bit in enumerate(bits) if bit]


def next_head(previous: bytes, accumulator: bytes, changed: bytes) -> bytes:
    """The running hash after one more entry (same formula as the contract)."""
    return keccak(previous + keccak(accumulator) + keccak(changed))


class RevocationHistory:
    """The verified entries of one registry's status list, extended as new ones are read.

    Entries never change once written, so a reader keeps them and fetches only newer ones. The
    bits after an entry never change either: a few such states are kept, and the state after a
    later entry is built from the nearest earlier one instead of replaying the whole history.
    """

    def __init__(self, size: int, snapshots: int = SNAPSHOTS_KEPT) -> None:
        self.size = size
        self.snapshots: LruCache[int, bytes] = LruCache("status list states", snapshots)
        self._changes: list[list[int]] = []
        self._accumulators: list[bytes] = []
        self._heads: list[bytes] = []
        self._blocks: list[int] = []
        self.last_block = 0

    @property
    def entries(self) -> int:
        """Number of verified entries."""
        return len(self._changes)

    def extend(
        self, entry: int, accumulator: bytes, changed: bytes, head: bytes, block: int
    ) -> None:
        """Append entry number ``entry`` (1-based), checking order, hash chain and indices."""
        if entry != self.entries + 1:
            raise LedgerIntegrityError(
                f"status list entry {entry} out of order after {self.entries}"
            )
        previous = self._heads[-1] if self._heads else b"\x00" * 32
        if next_head(previous, accumulator, bytes(changed)) != bytes(head):
            raise LedgerIntegrityError(f"status list entry {entry} does not match its hash chain")
        indices = unpack_indices(bytes(changed))
        if indices and max(indices) >= self.size:
            raise LedgerIntegrityError(f"status list entry {entry} has an index >= {self.size}")
        self._changes.append(indices)
        self._accumulators.append(bytes(accumulator))
        self._heads.append(bytes(head))
        self._blocks.append(block)
        self.last_block = block

    def check(self, entries: int, head: bytes) -> None:
        """Check that the first ``entries`` entries are known and end at the on-chain ``head``."""
        if self.entries < entries:
            raise LedgerIntegrityError(
                f"the ledger reports {entries} status list entries, but only {self.entries} "
                "could be read from its logs; the node may be pruning logs"
            )
        if self._heads[entries - 1] != bytes(head):
            raise LedgerIntegrityError(f"status list entry {entries} does not match the ledger")

    def block_of(self, entry: int) -> int:
        """The block entry number ``entry`` (1-based) landed in."""
        return self._blocks[entry - 1]

    def state(self, entries: int) -> tuple[list[int], bytes]:
        """The bits and accumulator after the first ``entries`` entries."""
        if not 1 <= entries <= self.entries:
            raise LedgerIntegrityError(f"status list entry {entries} is not known yet")
        state = self.snapshots.get(entries)
        if state is None:
            start = max((n for n in self.snapshots if n < entries), default=0)
            bits = bytearray(self.snapshots.peek(start) or bytes(self.size))
            for indices in self._changes[start:entries]:
                for index in indices:
                    bits[index] ^= 1
            state = self.snapshots.put(entries, bytes(bits))
        return list(state), self._accumulators[entries - 1]
