"""The local network's test CA and the server certificate its colleges serve https with.

did:web is resolved over https only, so a college's public server (status lists, did.json)
needs a certificate even on one machine. The launcher makes a throwaway CA and one certificate
for ``localhost``/``127.0.0.1`` in ``<data>/tls`` (keys mode 0600), once; verifiers on the
network trust the CA (``ler_badges.fetch.ca_file``), and so can a browser or Node
(``NODE_EXTRA_CA_CERTS``) that should check a badge against the local network.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_DAYS = 825
RENEW_BEFORE = timedelta(days=30)


@dataclass(frozen=True)
class LocalTls:
    """Where the CA certificate, the server certificate and its key are."""

    ca_file: Path
    cert_file: Path
    key_file: Path


def tls_files(data_dir: Path) -> LocalTls:
    """The files in ``<data>/tls`` (whether or not they exist yet)."""
    tls = data_dir / "tls"
    return LocalTls(tls / "ca.pem", tls / "server.pem", tls / "server-key.pem")


def _write(path: Path, data: bytes, private: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ler-node local network"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _current(files: LocalTls) -> bool:
    if not (files.ca_file.exists() and files.cert_file.exists() and files.key_file.exists()):
        return False
    cert = x509.load_pem_x509_certificate(files.cert_file.read_bytes())
    return cert.not_valid_after_utc - datetime.now(UTC) > RENEW_BEFORE


def ensure_local_tls(data_dir: Path) -> LocalTls:
    """The local network's CA and ``localhost`` certificate, made once (and again near expiry)."""
    files = tls_files(data_dir)
    if _current(files):
        return files
    now = datetime.now(UTC) - timedelta(minutes=5)
    until = now + timedelta(days=VALID_DAYS)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("ler-node local test CA")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ]
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(until)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    _write(
        files.key_file,
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        private=True,
    )
    _write(files.cert_file, cert.public_bytes(pem))
    _write(files.ca_file, ca.public_bytes(pem))
    return files
