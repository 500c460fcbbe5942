"""System checks for settings that would otherwise fail only when first used."""

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security)
def check_bid_encryption_keys(app_configs=None, **kwargs):
    """Every key in ``BID_ENCRYPTION_KEYS`` must be a Fernet key (32 bytes,
    url-safe base64): a bad one would pass start-up and fail only when a bid
    is sealed or opened. The key itself is never printed, only its position."""
    keys = settings.BID_ENCRYPTION_KEYS
    if isinstance(keys, str | bytes):
        keys = [keys]
    if not keys:
        return [
            Error(
                "BID_ENCRYPTION_KEYS is empty: sealed bids cannot be encrypted.",
                hint=_generate_hint(),
                id="secretariat.E001",
            )
        ]
    errors = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            errors.append(
                Error(
                    f"BID_ENCRYPTION_KEYS: key {position} of {len(keys)} is not a "
                    "valid Fernet key (32 bytes in url-safe base64).",
                    hint=_generate_hint(),
                    id="secretariat.E002",
                )
            )
    return errors


def _generate_hint() -> str:
    return (
        "Generate one with: python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())'"
    )


@register(Tags.translation, deploy=True)
def check_translation_catalogues(app_configs=None, **kwargs):
    """A catalogue whose .mo is missing or older than its .po would show that
    language's readers English, or last release's words, without a word. With
    ``check --deploy``, which a release runs after building."""
    from secretariat.catalogues import stale_catalogues

    return [
        Warning(
            f"The translation catalogue {po} is not compiled, or changed since.",
            hint="Run: python manage.py compile_catalogues (make run and make "
            "test do it).",
            id="secretariat.W010",
        )
        for po in stale_catalogues()
    ]
