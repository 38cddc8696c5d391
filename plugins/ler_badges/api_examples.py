"""Example values shown in the admin API's OpenAPI documents (one place for every route)."""

from __future__ import annotations

from typing import Any

LEARNER_DID = "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"

ACHIEVEMENT: dict[str, Any] = {
    "id": "https://prairieridge.example/achievements/cnc-1",
    "type": ["Achievement"],
    "name": "CNC Machining I",
    "description": "Sets up and runs a three-axis CNC mill.",
    "criteria": {"narrative": "Passed the practical and written assessments."},
    "achievementType": "Certificate",
}

#: a credential to offer over DIDComm: the subject is the learner's DID
CREDENTIAL: dict[str, Any] = {
    "credentialSubject": {
        "id": LEARNER_DID,
        "type": ["AchievementSubject"],
        "achievement": ACHIEVEMENT,
    }
}

#: a credential template for a VC-API exchange: the wallet that claims it becomes the subject
TEMPLATE: dict[str, Any] = {
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "credentialSubject": {"type": ["AchievementSubject"], "achievement": ACHIEVEMENT},
}
