"""The college's public server: did.json, https with a certificate, extra route tables; the
local network's test CA; the did:web settings; the ld_proof receive check it widens."""

from __future__ import annotations

import json
import ssl
from pathlib import Path

import aiohttp
import pytest
from acapy_agent.config.settings import Settings
from acapy_agent.protocols.issue_credential.v2_0.formats.ld_proof.handler import (
    LDProofCredFormatHandler,
)
from aiohttp import web
from cryptography import x509

from ler_badges.acapy.config import BadgesConfig
from ler_badges.acapy.errors import BadgesConfigError
from ler_badges.acapy.service import BadgesService, did_web_base_url
from ler_badges.acapy.status_list_holder import accept_status_lists
from ler_badges.status_server import DID_PATH, StatusListServer
from ler_node.network.local_tls import ensure_local_tls

DOCUMENT = {"id": "did:web:localhost%3A1", "alsoKnownAs": ["did:ler:local:x"]}


async def _document() -> dict:
    return DOCUMENT


async def _hello(_request: web.Request) -> web.Response:
    return web.json_response({"hello": "exchange"})


async def test_it_serves_did_json_over_https_with_extra_routes(tmp_path: Path) -> None:
    tls = ensure_local_tls(tmp_path)
    server = StatusListServer(
        tmp_path / "lists",
        "127.0.0.1",
        0,
        [web.get("/exchanges/hello", _hello)],
        tls=(tls.cert_file, tls.key_file),
        did_document=_document,
    )
    port = await server.start()
    try:
        assert server.url == f"https://localhost:{port}"
        trusted = ssl.create_default_context(cafile=str(tls.ca_file))
        async with aiohttp.ClientSession() as session:
            async with session.get(server.url + DID_PATH, ssl=trusted) as response:
                assert response.status == 200
                assert response.content_type == "application/did+json"
                assert json.loads(await response.read()) == DOCUMENT
            async with session.get(server.url + "/exchanges/hello", ssl=trusted) as response:
                assert await response.json() == {"hello": "exchange"}
            with pytest.raises(aiohttp.ClientConnectorCertificateError):
                await session.get(server.url + DID_PATH, ssl=ssl.create_default_context())
            with pytest.raises(aiohttp.ClientError):  # https only
                await session.get(f"http://127.0.0.1:{port}{DID_PATH}")
    finally:
        await server.stop()


async def test_no_did_document_is_a_json_404(tmp_path: Path) -> None:
    async def nothing() -> None:
        return None

    server = StatusListServer(tmp_path, "127.0.0.1", 0, did_document=nothing)
    await server.start()
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(server.url + DID_PATH) as response,
        ):
            assert response.status == 404
            assert "serves no DID document" in (await response.json())["error"]
    finally:
        await server.stop()


def test_the_local_ca_is_made_once_and_names_localhost(tmp_path: Path) -> None:
    first = ensure_local_tls(tmp_path)
    pem = first.cert_file.read_bytes()
    assert ensure_local_tls(tmp_path).cert_file.read_bytes() == pem  # kept
    cert = x509.load_pem_x509_certificate(pem)
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert first.key_file.stat().st_mode & 0o077 == 0
    ca = x509.load_pem_x509_certificate(first.ca_file.read_bytes())
    assert cert.issuer == ca.subject


def _config(tmp_path: Path, **badges: object) -> BadgesConfig:
    return BadgesConfig.from_settings(
        Settings({"plugin_config": {"ler_badges": badges}, "default_label": "College"})
    )


def test_did_web_settings(tmp_path: Path) -> None:
    tls = ensure_local_tls(tmp_path)
    config = _config(
        tmp_path,
        did_web={"domain": "localhost:{port}"},
        tls={"cert_file": str(tls.cert_file), "key_file": str(tls.key_file)},
        status_lists={"port": 8443, "directory": str(tmp_path)},
        fetch={"ca_file": str(tls.ca_file)},
    )
    assert config.public.tls and config.fetch.ca_file == str(tls.ca_file)
    service = BadgesService(config)
    assert service.did_web is None  # its port is not known before the server runs
    service.server.bound_port = 8443
    assert service.did_web == "did:web:localhost%3A8443"
    assert service.status_base_url == "https://localhost:8443/status-lists/"
    assert did_web_base_url("did:web:prairieridge.example") == "https://prairieridge.example"
    with pytest.raises(BadgesConfigError, match="host name with an optional port"):
        _config(tmp_path, did_web={"domain": "https://prairieridge.example/x"})
    with pytest.raises(BadgesConfigError, match="both cert_file and key_file"):
        _config(tmp_path, tls={"cert_file": str(tls.cert_file)})
    with pytest.raises(BadgesConfigError, match="is not a readable file"):
        _config(tmp_path, fetch={"ca_file": str(tmp_path / "missing.pem")})


def test_the_ld_proof_receive_check_is_widened_once() -> None:
    """What status_list_holder relies on: ACA-Py's method, wrapped once and kept as original."""
    accept_status_lists()
    wrapped = LDProofCredFormatHandler.receive_credential
    accept_status_lists()
    assert LDProofCredFormatHandler.receive_credential is wrapped
    original = LDProofCredFormatHandler._ler_original_receive_credential
    assert original.__qualname__ == "LDProofCredFormatHandler.receive_credential"
    assert list(original.__code__.co_varnames[:3]) == [
        "self",
        "cred_ex_record",
        "cred_issue_message",
    ]
