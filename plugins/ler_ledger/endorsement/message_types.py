"""DIDComm message types of the LER ledger-endorsement protocol."""

PROTOCOL_URI = "https://ler-node.org/ledger-endorsement/1.0"
PROTOCOL_PACKAGE = "ler_ledger.endorsement"

REQUEST = f"{PROTOCOL_URI}/request"
RESPONSE = f"{PROTOCOL_URI}/response"

MESSAGE_TYPES = {
    REQUEST: f"{PROTOCOL_PACKAGE}.messages.EndorsementRequest",
    RESPONSE: f"{PROTOCOL_PACKAGE}.messages.EndorsementResponse",
}
