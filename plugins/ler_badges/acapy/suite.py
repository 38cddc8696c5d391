"""eddsa-rdfc-2022 as an ACA-Py linked-data suite, so ACA-Py's own VC flows sign and verify it.

ACA-Py's issue-credential 2.0 ``ld_proof`` format (the one Aries wallets speak) signs through
``VcLdpManager``, which asks an injected :class:`ExternalSuiteProvider` for the suite of a proof
type before its built-in table; verification (a holder storing a credential, a verifier
checking a presentation) tries every suite of ``PROOF_KEY_TYPE_MAPPING``. This module provides
the suite both paths use, built on :mod:`ler_badges.cryptosuite` (checked byte for byte against
the 1EdTech test vectors), with the private key kept in the askar wallet.

Before signing an Open Badges or CLR credential the suite validates it against its JSON Schema
and canonicalizes it offline, whichever ACA-Py route led here: nothing that breaks the schema or
names an unknown context is ever signed. A credential our issuer already checked and offered
(:mod:`.prepared`) is not checked again, and is signed with the signer the issuer resolved.
"""

from __future__ import annotations

from typing import Any

from acapy_agent.core.profile import Profile
from acapy_agent.vc.ld_proofs.crypto.wallet_key_pair import WalletKeyPair
from acapy_agent.vc.ld_proofs.document_loader import DocumentLoaderMethod
from acapy_agent.vc.ld_proofs.error import LinkedDataProofException
from acapy_agent.vc.ld_proofs.purposes.authentication_proof_purpose import (
    AuthenticationProofPurpose,
)
from acapy_agent.vc.ld_proofs.purposes.credential_issuance_purpose import (
    CredentialIssuancePurpose,
)
from acapy_agent.vc.ld_proofs.purposes.proof_purpose import ProofPurpose
from acapy_agent.vc.ld_proofs.suites.linked_data_proof import LinkedDataProof
from acapy_agent.vc.ld_proofs.validation_result import ProofResult, PurposeResult
from acapy_agent.vc.vc_ld.external_suite import ExternalSuiteProvider
from acapy_agent.wallet.did_info import DIDInfo
from acapy_agent.wallet.key_type import ED25519
from acapy_agent.wallet.keys.manager import MultikeyManager, multikey_to_verkey

from ..cryptosuite import CRYPTOSUITE, PROOF_TYPE, add_proof, verify_proof
from ..errors import BadgesError
from ..issuance import check_issuable
from ..verification import issuer_id
from .did_keys import ASSERTION, AUTHENTICATION, Signer, resolve_key
from .did_web import issuing_identity, public_ler_did
from .environment import AgentEnvironment
from .loader import suite_loader
from .prepared import PreparedCredentials
from .service import BadgesService

BADGE_TYPES = frozenset(
    {"AchievementCredential", "OpenBadgeCredential", "ClrCredential", "EndorsementCredential"}
)
_OPTION_FIELDS = ("domain", "challenge", "expires", "nonce")


def is_badge(document: dict[str, Any]) -> bool:
    """Whether a document is an OB 3.0 / CLR 2.0 credential (so its schema applies)."""
    types = document.get("type")
    types = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    return bool(BADGE_TYPES & set(types))


class EddsaRdfc2022Suite(LinkedDataProof):
    """``DataIntegrityProof`` with cryptosuite ``eddsa-rdfc-2022``, keys in the wallet."""

    signature_type = PROOF_TYPE

    def __init__(
        self,
        *,
        key_pair: WalletKeyPair | None = None,
        verification_method: str | None = None,
        proof: dict | None = None,
        profile: Profile | None = None,
        prepared: PreparedCredentials | None = None,
    ) -> None:
        """``key_pair`` or, to resolve it when signing, ``profile``; ``prepared``: see above."""
        super().__init__(proof=proof)
        if key_pair is None and profile is None:
            raise ValueError("a key pair or a profile is needed")
        self.key_pair = key_pair
        self.verification_method = verification_method
        self.prepared = prepared
        self._profile = profile

    @property
    def profile(self) -> Profile:
        """The profile whose wallet and resolver the suite uses."""
        if self._profile is not None:
            return self._profile
        assert self.key_pair is not None
        return self.key_pair.profile

    @property
    def pinned_keys(self) -> dict[str, bytes]:
        """Keys of issuers outside the network that the operator pinned."""
        service = self.profile.inject_or(BadgesService)
        return service.config.verifier.pinned_keys if service else {}

    async def _wallet_key_pair(self, verification_method: str) -> WalletKeyPair:
        """The wallet key ``verification_method`` names (bound to it in the wallet if new)."""
        if self.key_pair is None:
            async with self.profile.session() as session:
                key_info = await MultikeyManager(session).resolve_and_bind_kid(verification_method)
            self.key_pair = WalletKeyPair(
                profile=self.profile,
                key_type=ED25519,
                public_key_base58=multikey_to_verkey(key_info["multikey"]),
            )
        return self.key_pair

    async def _signer(self, verification_method: str) -> Signer:
        """How to sign as ``verification_method``.

        The agent's did:web signs with the current key of its did:ler (a rotation changes it);
        other methods with the wallet key they name.
        """
        did = verification_method.split("#", 1)[0]
        service = self.profile.inject_or(BadgesService)
        if service is not None and service.did_web == did:
            anchor = await public_ler_did(self.profile)
            if anchor is not None:
                _issuer, sign, _method = await issuing_identity(self.profile, anchor)
                return sign
        return (await self._wallet_key_pair(verification_method)).sign

    async def create_proof(
        self, *, document: dict, purpose: ProofPurpose, document_loader: DocumentLoaderMethod
    ) -> dict:
        """Sign ``document`` (schema-checked first if it is a badge or CLR not yet checked)."""
        if not self.verification_method:
            raise LinkedDataProofException("no verification method to sign with")
        checked: Signer | None = None  # the issuer's signer, if it checked this document
        if self.prepared is not None:
            checked = self.prepared.take(self.profile, document, self.verification_method)
        sign = checked or await self._signer(self.verification_method)
        try:
            if checked is None and is_badge(document):
                check_issuable(document, suite_loader())
            given = {k: v for k, v in (self.proof or {}).items() if k in _OPTION_FIELDS and v}
            options = {**given, **purpose.update({})}
            options.pop("proofPurpose", None)
            secured = await add_proof(
                document,
                sign=sign,
                verification_method=self.verification_method,
                created=(self.proof or {}).get("created"),
                proof_purpose=purpose.term,
                options=options,
                loader=suite_loader(),
            )
        except BadgesError as error:
            raise LinkedDataProofException(f"refused to sign: {error}") from error
        proof = secured["proof"]
        return proof[-1] if isinstance(proof, list) else proof

    async def verify_proof(
        self,
        *,
        proof: dict,
        document: dict,
        purpose: ProofPurpose,
        document_loader: DocumentLoaderMethod,
    ) -> ProofResult:
        """Verify one proof, its purpose and (for credentials) that the issuer signed it."""
        try:
            if proof.get("cryptosuite") != CRYPTOSUITE:
                raise LinkedDataProofException(
                    f"cryptosuite {proof.get('cryptosuite')!r} is not {CRYPTOSUITE}"
                )
            own = {
                k: v for k, v in proof.items() if k != "@context" or v != document.get("@context")
            }
            relationship = AUTHENTICATION if purpose.term == "authentication" else ASSERTION
            controllers: dict[str, str] = {}

            async def resolve(method: str) -> bytes:
                if method.startswith("did:web:") and relationship == ASSERTION:
                    # a college's did:web, fetched under the fetch policy
                    key = await AgentEnvironment(self.profile).resolve_key(method)
                else:
                    key = await resolve_key(self.profile, method, relationship, self.pinned_keys)
                controllers[method] = key.controller
                return key.public_key

            await verify_proof(
                {**document, "proof": own},
                resolve,
                expected_proof_purpose=purpose.term,
                loader=suite_loader(),
            )
            controller = controllers[own["verificationMethod"]]
            self._check_purpose(purpose, own, document, controller)
        except (BadgesError, LinkedDataProofException) as error:
            return ProofResult(verified=False, error=str(error))
        return ProofResult(
            verified=True, purpose_result=PurposeResult(valid=True, controller={"id": controller})
        )

    @staticmethod
    def _check_purpose(purpose: ProofPurpose, proof: dict, document: dict, controller: str) -> None:
        if isinstance(purpose, CredentialIssuancePurpose) and issuer_id(document) != controller:
            raise LinkedDataProofException(
                f"the proof was made with a key of {controller}, not of the issuer"
            )
        if isinstance(purpose, AuthenticationProofPurpose):
            if proof.get("challenge") != purpose.challenge:
                raise LinkedDataProofException("the proof's challenge is not the one asked for")
            if purpose.domain and proof.get("domain") != purpose.domain:
                raise LinkedDataProofException("the proof's domain is not the one asked for")


class LerSuiteProvider(ExternalSuiteProvider):
    """Hands ACA-Py our suite for ``DataIntegrityProof``; other proof types stay ACA-Py's.

    It also holds the credentials our issuer checked and offered (:attr:`prepared`).
    """

    def __init__(self) -> None:
        self.prepared = PreparedCredentials()

    async def get_suite(
        self,
        profile: Profile,
        proof_type: str,
        proof: dict,
        verification_method: str,
        did_info: DIDInfo,
    ) -> LinkedDataProof | None:
        """Our suite, signing with the wallet key that ``verification_method`` names.

        The key is looked up when the suite signs, and only if the issuer has not resolved it.
        """
        if proof_type != PROOF_TYPE:
            return None
        return EddsaRdfc2022Suite(
            profile=profile,
            verification_method=verification_method,
            proof=proof,
            prepared=self.prepared,
        )
