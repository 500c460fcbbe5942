"""The keys of a tender whose bids only its opening committee can open.

Nothing here is hand-made cryptography: public-key sealing and secret boxes
are libsodium's (PyNaCl: ``SealedBox`` is X25519 with XSalsa20-Poly1305,
``SecretBox`` XSalsa20-Poly1305), the passphrase key is Argon2id (libsodium's
``pwhash``, memory-hard), and the secret is split with Shamir's scheme as
PyCryptodome implements it (GF(2^128), 16-byte secrets).

The shape:

- Each member of the committee enrols with a passphrase only they know: they
  get a key pair of their own, whose private half is kept in a secret box under
  a key derived from the passphrase (``opener_enrol``). The server keeps the
  public half and the box; it never keeps the passphrase.
- When the tender is published, the server makes the tender's key pair, puts
  its private half in a secret box under a random 16-byte secret, splits the
  secret into one share per member (any ``threshold`` of them rebuild it) and
  seals each share to its member's public key (``tender_keys``). The secret and
  the private key are never written down, and go out of scope at once.
- Bids are sealed to the tender's public key (``seal``), padded to the same
  buckets as the server-key bids (``procurement.sealing.pad``).
- At the opening, ``threshold`` members type their passphrases; each opens
  their own box, then their share; the shares rebuild the secret, the secret
  opens the tender's private key, and the key opens the bids
  (``private_key_rebuild``). A wrong passphrase or a wrong share makes one of
  the boxes refuse, and the error does not say whose.

What a database dump and every server setting give together: public keys,
boxes whose keys are derived from passphrases nobody stored, and shares sealed
to keys inside those boxes. Nothing opens a bid.
"""

import json
import os
from dataclasses import dataclass

from Crypto.Protocol.SecretSharing import Shamir
from django.conf import settings
from nacl import pwhash
from nacl.encoding import RawEncoder
from nacl.exceptions import CryptoError
from nacl.hash import blake2b
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.secret import SecretBox

from procurement.sealing import pad, unpad

# A committee-sealed token starts with this, so that it can never be mistaken
# for a Fernet token (those are base64 text starting with "gAAAAA").
TOKEN_PREFIX = b"\x01cm1"
SECRET_BYTES = 16  # what Shamir's scheme in PyCryptodome splits
_WRAP_PERSON = b"tender-key-wrap"


class OpeningRefused(Exception):
    """The passphrases and shares given do not open the tender's key. The
    message never says which of them was wrong."""


@dataclass(frozen=True)
class TenderKeys:
    public_key: bytes
    wrapped_private_key: bytes
    # One per member, in the order of the public keys given: (index, sealed).
    sealed_shares: list[bytes]


def _kdf_limits() -> tuple[int, int]:
    return (
        getattr(settings, "OPENER_KDF_OPSLIMIT", pwhash.argon2id.OPSLIMIT_INTERACTIVE),
        getattr(settings, "OPENER_KDF_MEMLIMIT", pwhash.argon2id.MEMLIMIT_INTERACTIVE),
    )


def _passphrase_key(passphrase: str, salt: bytes, opslimit: int, memlimit: int):
    return pwhash.argon2id.kdf(
        SecretBox.KEY_SIZE,
        passphrase.encode(),
        salt,
        opslimit=opslimit,
        memlimit=memlimit,
    )


def opener_enrol(passphrase: str) -> tuple[bytes, dict]:
    """A member's key pair: the public key, and the private key boxed under
    the passphrase (a JSON-able dict with the KDF's salt and limits)."""
    own = PrivateKey.generate()
    salt = os.urandom(pwhash.argon2id.SALTBYTES)
    opslimit, memlimit = _kdf_limits()
    box = SecretBox(_passphrase_key(passphrase, salt, opslimit, memlimit))
    sealed = {
        "salt": salt.hex(),
        "opslimit": opslimit,
        "memlimit": memlimit,
        "box": box.encrypt(bytes(own)).hex(),
    }
    return bytes(own.public_key), sealed


def _opener_private_key(sealed: dict, passphrase: str) -> PrivateKey:
    key = _passphrase_key(
        passphrase,
        bytes.fromhex(sealed["salt"]),
        sealed["opslimit"],
        sealed["memlimit"],
    )
    try:
        return PrivateKey(SecretBox(key).decrypt(bytes.fromhex(sealed["box"])))
    except CryptoError as exc:
        raise OpeningRefused from exc


def _wrap_key(secret: bytes) -> bytes:
    return blake2b(
        secret, digest_size=SecretBox.KEY_SIZE, person=_WRAP_PERSON, encoder=RawEncoder
    )


def _split(secret: bytes, threshold: int, openers: list[bytes]) -> list[bytes]:
    shares = Shamir.split(threshold, len(openers), secret)
    return [
        SealedBox(PublicKey(opener)).encrypt(
            json.dumps({"index": index, "share": share.hex()}).encode()
        )
        for (index, share), opener in zip(shares, openers, strict=True)
    ]


def tender_keys(threshold: int, opener_public_keys: list[bytes]) -> TenderKeys:
    """A tender's key pair, its private half wrapped under a secret split
    among the openers so that any ``threshold`` of them rebuild it."""
    if not 2 <= threshold <= len(opener_public_keys):
        raise ValueError("The threshold must be at least 2 and at most the members.")
    private = PrivateKey.generate()
    secret = os.urandom(SECRET_BYTES)
    wrapped = SecretBox(_wrap_key(secret)).encrypt(bytes(private))
    return TenderKeys(
        public_key=bytes(private.public_key),
        wrapped_private_key=wrapped,
        sealed_shares=_split(secret, threshold, opener_public_keys),
    )


def share_unlock(sealed_opener_key: dict, passphrase: str, sealed_share: bytes):
    """A member's share, opened with their passphrase: (index, 16 bytes)."""
    own = _opener_private_key(sealed_opener_key, passphrase)
    try:
        share = json.loads(SealedBox(own).decrypt(bytes(sealed_share)))
    except CryptoError as exc:
        raise OpeningRefused from exc
    return share["index"], bytes.fromhex(share["share"])


def _secret(shares) -> bytes:
    if len({index for index, _share in shares}) != len(shares):
        raise OpeningRefused
    return Shamir.combine(list(shares))


def private_key_rebuild(shares, wrapped_private_key: bytes) -> PrivateKey:
    """The tender's private key from ``threshold`` shares (fewer rebuild a
    wrong secret, which the box refuses like a wrong share)."""
    try:
        plain = SecretBox(_wrap_key(_secret(shares))).decrypt(
            bytes(wrapped_private_key)
        )
    except (CryptoError, ValueError) as exc:
        raise OpeningRefused from exc
    return PrivateKey(plain)


def shares_reissue(
    shares, wrapped_private_key: bytes, threshold: int, opener_public_keys
) -> list[bytes]:
    """New shares of the same secret for a new list of openers (a member who
    lost their passphrase replaced): ``threshold`` members' shares rebuild it,
    it is split afresh, and every old share stops mattering to the new ones."""
    secret = _secret(shares)
    try:  # the shares must be right: the box opens only with the true secret
        SecretBox(_wrap_key(secret)).decrypt(bytes(wrapped_private_key))
    except CryptoError as exc:
        raise OpeningRefused from exc
    return _split(secret, threshold, list(opener_public_keys))


def seal(public_key: bytes, offer: dict) -> bytes:
    plain = json.dumps(offer, sort_keys=True, default=str).encode()
    return TOKEN_PREFIX + SealedBox(PublicKey(bytes(public_key))).encrypt(pad(plain))


def is_committee_token(token: bytes) -> bool:
    return bytes(token).startswith(TOKEN_PREFIX)


def unseal(private_key: PrivateKey, token: bytes) -> dict:
    token = bytes(token)
    if not token.startswith(TOKEN_PREFIX):
        raise ValueError("Not a committee-sealed offer.")
    try:
        plain = SealedBox(private_key).decrypt(token[len(TOKEN_PREFIX) :])
    except CryptoError as exc:
        raise ValueError("The sealed offer cannot be opened with this key.") from exc
    return json.loads(unpad(plain))
