"""The tails server's OpenAPI 3.0 document (served at ``/openapi.json``)."""

from __future__ import annotations

from typing import Any

_HASH = {
    "name": "tails_hash",
    "in": "path",
    "required": True,
    "description": "base58 of the tails file's SHA-256 digest (the registry's tailsHash)",
    "schema": {"type": "string", "pattern": "^[1-9A-HJ-NP-Za-km-z]{32,44}$"},
}
_ERROR = {
    "description": "what is wrong and what to do",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["error"],
                "properties": {"error": {"type": "string"}},
            }
        }
    },
}
_STORED = {
    "type": "object",
    "required": ["tails_hash", "url", "size", "points", "stored_at", "pending"],
    "properties": {
        "tails_hash": {"type": "string"},
        "url": {"type": "string"},
        "size": {"type": "integer"},
        "points": {"type": "integer"},
        "stored_at": {"type": "string"},
        "pending": {
            "type": "boolean",
            "description": "no revocation registry on the ledger uses the file yet",
        },
        "created": {"type": "boolean"},
    },
}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(status): _ERROR for status in statuses}


def openapi_document(max_size: int) -> dict[str, Any]:
    """The document, stating this server's size limit."""
    stored = {
        "description": "the stored file",
        "content": {"application/json": {"schema": _STORED}},
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "ler-node tails server",
            "version": "1.0",
            "description": "AnonCreds tails files of the revocation registries on the ledger.",
        },
        "paths": {
            "/health": {
                "get": {
                    "summary": "whether the server runs",
                    "responses": {"200": {"description": "ok"}},
                }
            },
            "/hash/{tails_hash}": {
                "parameters": [_HASH],
                "get": {
                    "summary": "download a tails file",
                    "responses": {
                        "200": {
                            "description": "the file",
                            "content": {
                                "application/octet-stream": {
                                    "schema": {"type": "string", "format": "binary"}
                                }
                            },
                        },
                        **_errors(400, 404, 503),
                    },
                },
                "put": {
                    "summary": "upload a tails file (as ACA-Py does)",
                    "description": (
                        f"At most {max_size} bytes. Held unserved until a revocation registry "
                        "definition on the ledger names its hash."
                    ),
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["tails"],
                                    "properties": {"tails": {"type": "string", "format": "binary"}},
                                }
                            }
                        },
                    },
                    "responses": {"200": stored, **_errors(400, 403, 408, 413, 415, 429, 503)},
                },
            },
            "/hash/{tails_hash}/info": {
                "parameters": [_HASH],
                "get": {
                    "summary": "size, points and storage time of a tails file",
                    "responses": {"200": stored, **_errors(400, 404, 503)},
                },
            },
        },
    }
