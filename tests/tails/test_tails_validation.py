"""The tails hash and tails file checks, and the file store, without HTTP."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import base58
import pytest
from tails_testkit import RealTails

from ler_tails.storage import INCOMING_DIR, PENDING_DIR, TailsStore
from ler_tails.validation import (
    HashMismatch,
    InvalidTailsHash,
    NotATailsFile,
    UploadTooLarge,
    check_length,
    check_version,
    parse_tails_hash,
    tails_hash_of,
)


def test_real_tails_file_layout(real_tails: RealTails) -> None:
    data = real_tails.data
    assert data[:2] == b"\x00\x02"
    assert (len(data) - 2) % 128 == 0
    assert (len(data) - 2) // 128 == 2 * real_tails.max_cred_num + 1
    assert tails_hash_of(data) == real_tails.tails_hash
    assert parse_tails_hash(real_tails.tails_hash) == real_tails.tails_hash
    check_version(data[:2])
    check_length(len(data))


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("", "tails hash is empty"),
        ("0OIl" * 8, "not valid base58"),
        (base58.b58encode(bytes(range(1, 32))).decode(), "decodes to 31 bytes"),
        (base58.b58encode(bytes(range(1, 34))).decode(), "decodes to 33 bytes"),
        ("A" * 45, "decodes to 33 bytes"),
        ("A" * 65, "65 characters is too long"),
        ("../../etc/passwd", "not valid base58"),
        (tails_hash_of(b"x") + " ", "not in canonical base58 form"),
        (tails_hash_of(b"x") + "\n", "not in canonical base58 form"),
    ],
)
def test_invalid_hashes(value: str, why: str) -> None:
    with pytest.raises(InvalidTailsHash, match=why):
        parse_tails_hash(value)


def test_zero_digest_hash_is_canonical_only_in_one_spelling() -> None:
    canonical = base58.b58encode(bytes(32)).decode()
    assert parse_tails_hash(canonical) == canonical == "1" * 32
    digest = hashlib.sha256(b"x").digest()
    assert parse_tails_hash(base58.b58encode(digest).decode())


@pytest.mark.parametrize("size", [0, 1, 2, 3, 129, 131, 2 + 128 + 1])
def test_lengths_that_are_not_tails_files(size: int) -> None:
    with pytest.raises(NotATailsFile, match=f"{size} bytes is not 2 version bytes"):
        check_length(size)


@pytest.mark.parametrize("head", [b"\x00\x01", b"\x02\x00", b"PK", b"\x00"])
def test_wrong_version_bytes(head: bytes) -> None:
    with pytest.raises(NotATailsFile, match="expected version bytes '00 02'"):
        check_version(head)


def test_store_commits_atomically_and_idempotently(tmp_path: Path, real_tails: RealTails) -> None:
    store = TailsStore(tmp_path, max_size=10_000)
    data = real_tails.data
    assert store.lookup(real_tails.tails_hash) is None

    upload = store.begin(real_tails.tails_hash)
    for start in range(0, len(data), 100):
        upload.write(data[start : start + 100])
    assert not (tmp_path / real_tails.tails_hash).exists()  # nothing visible before commit
    assert len(list((tmp_path / INCOMING_DIR).iterdir())) == 1
    stored = upload.commit()
    upload.abort()  # a no-op once committed

    assert stored.created
    assert stored.size == len(data)
    assert stored.points == 2 * real_tails.max_cred_num + 1
    assert (tmp_path / real_tails.tails_hash).read_bytes() == data
    assert list((tmp_path / INCOMING_DIR).iterdir()) == []
    assert store.lookup(real_tails.tails_hash) == stored.__class__(
        stored.tails_hash, stored.path, stored.size, stored.stored_at
    )

    again = store.begin(real_tails.tails_hash)
    again.write(data)
    assert not again.commit().created
    assert (tmp_path / real_tails.tails_hash).read_bytes() == data
    assert list((tmp_path / INCOMING_DIR).iterdir()) == []


def test_store_repairs_a_damaged_copy(tmp_path: Path, real_tails: RealTails) -> None:
    store = TailsStore(tmp_path, max_size=10_000)
    (tmp_path / real_tails.tails_hash).write_bytes(real_tails.data[:130])
    upload = store.begin(real_tails.tails_hash)
    upload.write(real_tails.data)
    assert upload.commit().created is False
    assert (tmp_path / real_tails.tails_hash).read_bytes() == real_tails.data


def test_store_refusals_leave_nothing(tmp_path: Path, real_tails: RealTails) -> None:
    store = TailsStore(tmp_path, max_size=len(real_tails.data) - 1)
    other_hash = tails_hash_of(b"something else")

    mismatch = store.begin(other_hash)
    mismatch.write(real_tails.data[:200])
    with pytest.raises(HashMismatch, match=f"does not match tails hash {other_hash}"):
        mismatch.commit()
    mismatch.abort()

    too_big = store.begin(real_tails.tails_hash)
    too_big.write(real_tails.data[:200])
    with pytest.raises(UploadTooLarge, match=f"limit of {len(real_tails.data) - 1} bytes"):
        too_big.write(real_tails.data[200:])
    too_big.abort()

    aborted = store.begin(real_tails.tails_hash)
    aborted.abort()
    with pytest.raises(RuntimeError, match="already finished"):
        aborted.write(real_tails.data)

    bad_version = store.begin(real_tails.tails_hash)
    bad_version.write(b"\x00")  # the version check waits for both bytes ...
    with pytest.raises(NotATailsFile):
        bad_version.write(b"\x03" + bytes(128))  # ... and fails on the first chunk that has them
    bad_version.abort()

    assert sorted(p.name for p in tmp_path.iterdir()) == [INCOMING_DIR, PENDING_DIR]
    assert list((tmp_path / INCOMING_DIR).iterdir()) == []


def test_store_rejects_bad_hash_paths(tmp_path: Path) -> None:
    store = TailsStore(tmp_path, max_size=10_000)
    with pytest.raises(InvalidTailsHash):
        store.begin("../escape")
    with pytest.raises(InvalidTailsHash):
        store.lookup("..")


def test_store_needs_room_for_one_point(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="too small"):
        TailsStore(tmp_path, max_size=129)
    TailsStore(tmp_path, max_size=130)


def test_stale_partial_uploads_are_removed(tmp_path: Path) -> None:
    store = TailsStore(tmp_path, max_size=10_000)
    old = store.incoming / "x.part"
    fresh = store.incoming / "y.part"
    old.write_bytes(b"old")
    fresh.write_bytes(b"fresh")
    an_hour_ago = time.time() - 3601
    os.utime(old, (an_hour_ago, an_hour_ago))
    assert store.remove_stale_uploads() == 1
    assert not old.exists()
    assert fresh.exists()
