"""Bids are sealed with Fernet (AES-128-CBC with HMAC-SHA256) under the keys in
``BID_ENCRYPTION_KEYS``; the first key seals, every key can open, so keys can be
rotated. Nothing here decides *when* a bid may be opened: that is the tender's
status, checked by the services."""

import base64
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _keys() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.BID_ENCRYPTION_KEYS])


def seal(offer: dict) -> bytes:
    return _keys().encrypt(json.dumps(offer, sort_keys=True, default=str).encode())


def unseal(token: bytes) -> dict:
    try:
        return json.loads(_keys().decrypt(bytes(token)))
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
