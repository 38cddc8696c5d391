"""Bitstring Status Lists: bits, entries, encoding, and what an entry's value means."""

from __future__ import annotations

import gzip

import pytest

from ler_badges import (
    BitstringStatusList,
    StatusEntry,
    StatusListError,
    StatusValue,
    decode_list,
    encode_list,
    status_entry,
    status_list_credential,
)
from ler_badges.bitstring import LIST_ENTRIES, STATUS_SIZE


@pytest.mark.parametrize("size", [1, 2, 3, 8])
def test_entries_of_any_size_round_trip(size: int) -> None:
    bits = BitstringStatusList(status_size=size, entries=4096)
    values = {0: 1, 1: (1 << size) - 1, 7: 1, 4095: (1 << size) - 2 or 1, 2049: 1}
    for index, value in values.items():
        bits.set(index, value)
    read = BitstringStatusList.from_compressed(bits.compressed(), size)
    assert {index: read.get(index) for index in values} == values
    assert read.get(2) == read.get(4094) == 0
    bits.set(7, 0)
    assert bits.get(7) == 0 and bits.get(1) == (1 << size) - 1


def test_index_zero_is_the_leftmost_bit() -> None:
    bits = BitstringStatusList(status_size=1, entries=16)
    bits.set(0, 1)
    bits.set(9, 1)
    assert bits.raw() == bytes([0b1000_0000, 0b0100_0000])
    two = BitstringStatusList(status_size=2, entries=8)
    two.set(1, StatusValue.SUSPENDED)
    assert two.raw() == bytes([0b0010_0000, 0])


def test_default_list_is_16_kb_of_two_bit_entries() -> None:
    bits = BitstringStatusList()
    assert bits.entries == LIST_ENTRIES and bits.status_size == STATUS_SIZE
    assert len(bits.raw()) == 16 * 1024
    assert len(bits.compressed()) < 200  # all zeros compress to almost nothing
    assert bits.compressed() == BitstringStatusList().compressed()  # deterministic


def test_encoded_list_is_multibase_base64url_without_padding() -> None:
    compressed = BitstringStatusList().compressed()
    encoded = encode_list(compressed)
    assert encoded.startswith("u") and "=" not in encoded and "+" not in encoded
    assert decode_list(encoded) == compressed
    with pytest.raises(StatusListError, match="start with 'u'"):
        decode_list("z" + encoded[1:])


@pytest.mark.parametrize("index", [-1, LIST_ENTRIES])
def test_out_of_range_index_is_refused(index: int) -> None:
    with pytest.raises(StatusListError, match="outside the list"):
        BitstringStatusList().get(index)
    with pytest.raises(StatusListError, match="does not fit"):
        BitstringStatusList().set(0, 4)


def test_hostile_lists_are_refused() -> None:
    with pytest.raises(StatusListError, match="not GZIP"):
        BitstringStatusList.from_compressed(b"not gzip at all")
    bomb = gzip.compress(bytes(32 * 1024 * 1024))
    with pytest.raises(StatusListError, match="16 MiB"):
        BitstringStatusList.from_compressed(bomb)


def test_our_entry_reads_back_and_describes_its_values() -> None:
    url = "https://college.example/status-lists/0123"
    entry = StatusEntry.read(status_entry(url, 42))
    assert (entry.list_url, entry.index, entry.size, entry.purpose) == (url, 42, 2, "message")
    assert entry.describe(StatusValue.VALID) == ("valid", True)
    assert entry.describe(StatusValue.REVOKED) == ("revoked", False)
    assert entry.describe(StatusValue.SUSPENDED) == ("suspended", False)


@pytest.mark.parametrize(
    ("purpose", "value", "meaning"),
    [
        ("revocation", 0, ("valid", True)),
        ("revocation", 1, ("revoked", False)),
        ("suspension", 1, ("suspended", False)),
        ("refresh", 1, ("0x1", True)),
    ],
)
def test_single_bit_purposes(purpose: str, value: int, meaning: tuple[str, bool]) -> None:
    entry = StatusEntry.read(
        {
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": "7",
            "statusListCredential": "https://issuer.example/lists/1",
        }
    )
    assert entry.size == 1 and entry.describe(value) == meaning


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": "1EdTechRevocationList"}, "is not BitstringStatusListEntry"),
        ({"statusListCredential": "ftp://x"}, r"an http\(s\) URL"),
        ({"statusListIndex": "seven"}, "whole numbers"),
        ({"statusPurpose": "whim"}, "statusPurpose"),
    ],
)
def test_malformed_entries_are_refused(change: dict, message: str) -> None:
    entry = {**status_entry("https://college.example/status-lists/1", 1), **change}
    with pytest.raises(StatusListError, match=message):
        StatusEntry.read(entry)


def test_status_list_credential_shape() -> None:
    credential = status_list_credential(
        "https://college.example/status-lists/1", "did:ler:local:x", "uABC", "2026-01-01T00:00:00Z"
    )
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["credentialSubject"]["type"] == "BitstringStatusList"
    assert credential["credentialSubject"]["statusPurpose"] == "message"
