"""Bids are sealed with Fernet (AES-128-CBC with HMAC-SHA256) under the keys in
``BID_ENCRYPTION_KEYS``; the first key seals, every key can open, so keys can be
rotated. Nothing here decides *when* a bid may be opened: that is the tender's
status, checked by the services.

Encryption hides the content, not its length, and a token's length would tell
how long the compliance answers are or whether documents came with the offer.
So the offer is padded before it is sealed, to a bucket: a power of two from
1 KiB up to 1 MiB, then whole MiB (documents of several MiB pay at most one MiB
more). Every offer in a bucket gives a token of the same length. The padded
plaintext is ``PADDING_MARKER``, the offer's length (4 bytes, big-endian), the
offer's JSON and zero bytes. Tokens sealed before padding existed are plain JSON
(they start with ``{``) and open as they are; they are not re-sealed, because
the SHA-256 of each sealed version is the bidder's receipt, which must keep
matching what is stored. They are padded when the bid is next changed."""

import base64
import json
import struct

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _keys() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.BID_ENCRYPTION_KEYS])


PADDING_MARKER = b"\x00pad1"
_LENGTH = struct.Struct(">I")
MIN_BUCKET = 1024
LARGE_BUCKET = 1024 * 1024


def bucket_size(length: int) -> int:
    """The padded size of a plaintext of ``length`` bytes."""
    if length > LARGE_BUCKET:
        return -(-length // LARGE_BUCKET) * LARGE_BUCKET
    size = MIN_BUCKET
    while size < length:
        size *= 2
    return size


def pad(plain: bytes) -> bytes:
    head = PADDING_MARKER + _LENGTH.pack(len(plain))
    size = bucket_size(len(head) + len(plain))
    return (head + plain).ljust(size, b"\x00")


def unpad(padded: bytes) -> bytes:
    if not padded.startswith(PADDING_MARKER):
        return padded  # sealed before padding: the JSON as it was
    start = len(PADDING_MARKER) + _LENGTH.size
    (length,) = _LENGTH.unpack_from(padded, len(PADDING_MARKER))
    if start + length > len(padded):
        raise ValueError("The sealed offer is damaged: its length is wrong.")
    return padded[start : start + length]


def seal(offer: dict) -> bytes:
    plain = json.dumps(offer, sort_keys=True, default=str).encode()
    return _keys().encrypt(pad(plain))


def unseal(token: bytes) -> dict:
    try:
        return json.loads(unpad(_keys().decrypt(bytes(token))))
    except InvalidToken as exc:
        raise ValueError(
            "The sealed offer cannot be opened with the bid keys."
        ) from exc


def encode_document(name: str, content_type: str, content: bytes) -> dict:
    return {
        "name": name,
        "content_type": content_type,
        "content": base64.b64encode(content).decode(),
    }
