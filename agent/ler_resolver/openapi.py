"""The driver's OpenAPI 3.0 document (served at ``/openapi.json``)."""

from __future__ import annotations

from typing import Any

_RESULT = {
    "type": "object",
    "required": ["didDocument", "didResolutionMetadata", "didDocumentMetadata"],
    "properties": {
        "@context": {"type": "string"},
        "didDocument": {"type": "object", "nullable": True},
        "didResolutionMetadata": {
            "type": "object",
            "properties": {
                "error": {
                    "type": "string",
                    "enum": [
                        "invalidDid",
                        "notFound",
                        "invalidOptions",
                        "methodNotSupported",
                        "internalError",
                    ],
                },
                "errorMessage": {"type": "string"},
            },
        },
        "didDocumentMetadata": {"type": "object"},
    },
}
_MEDIA = 'application/ld+json;profile="https://w3id.org/did-resolution"'


def _result(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {_MEDIA: {"schema": _RESULT}, "application/did+ld+json": {"schema": {}}},
    }


def openapi_document(network: str) -> dict[str, Any]:
    """The document for a driver of ``network`` (whose DIDs the examples show)."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "ler-node did:ler resolver driver",
            "version": "1.0",
            "description": "DIF Universal Resolver driver for did:ler DIDs of one state's ledger.",
        },
        "paths": {
            "/1.0/identifiers/{did}": {
                "get": {
                    "summary": "resolve a DID, optionally one version or as of a time",
                    "parameters": [
                        {
                            "name": "did",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                            "example": f"did:ler:{network}:WgWxqztrNooG92RXvxSTWv",
                        },
                        {
                            "name": "versionId",
                            "in": "query",
                            "description": "a version number, 1 to 4294967295",
                            "schema": {"type": "string", "pattern": "^[1-9][0-9]{0,9}$"},
                        },
                        {
                            "name": "versionTime",
                            "in": "query",
                            "description": "RFC 3339 date-time with a time zone, from 1970 on",
                            "schema": {"type": "string", "format": "date-time"},
                        },
                    ],
                    "responses": {
                        "200": _result("the DID Resolution result"),
                        "400": _result("invalidDid or invalidOptions"),
                        "404": _result("notFound"),
                        "410": _result("the DID is deactivated"),
                        "501": _result("methodNotSupported: not a did:ler DID"),
                    },
                }
            },
            "/1.0/methods": {
                "get": {
                    "summary": "the DID methods this driver resolves",
                    "responses": {"200": {"description": '["ler"]'}},
                }
            },
            "/health": {
                "get": {
                    "summary": "whether the ledger answers",
                    "responses": {
                        "200": {"description": "ok"},
                        "503": {"description": "the ledger cannot be reached"},
                    },
                }
            },
        },
    }
