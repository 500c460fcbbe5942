"""API tokens: issued against a password (and the second factor), hashed in the
database, and ending like a web session does.

django-rest-knox keeps only a digest of each token, so a copy of the database
gives no usable token. A token lasts ``API_TOKEN_IDLE_TIMEOUT`` seconds after
its last use and never more than ``API_TOKEN_TTL`` after it was issued (knox
pushes the expiry on as it is used, up to that cap). Each sign-in gives a new
token (one per client); a person holds at most ``API_TOKEN_LIMIT_PER_USER``,
the oldest giving way to a new one. A token ends when its holder signs out
(``/api/auth/logout/``, or ``/api/auth/logout-all/`` for all of them), and all
of a person's tokens end when the password changes, the account is deactivated
or a role is taken away (``secretariat.accounts.sessions``).
"""

import re
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from knox.models import AuthToken
from knox.settings import knox_settings
from rest_framework import exceptions

from secretariat.kernel.roles import loaded_for_request

HEADER_PREFIX = "Token"
# What knox issues: AUTH_TOKEN_CHARACTER_LENGTH hex digits, no prefix. Anything
# else is refused before it reaches the database.
TOKEN_PATTERN = re.compile(r"[0-9a-f]{64}")


def absolute_lifetime() -> timedelta:
    return timedelta(seconds=settings.API_TOKEN_TTL)


def first_expiry() -> timedelta:
    """How long a new token lasts if it is not used."""
    idle = settings.API_TOKEN_IDLE_TIMEOUT
    if idle:
        return min(timedelta(seconds=idle), absolute_lifetime())
    return absolute_lifetime()


def api_token_create(*, user) -> tuple[AuthToken, str]:
    """A new token for ``user`` (the caller has checked the password and second
    factor). Returns the row and the token itself, which is shown once and
    never stored. Expired tokens, and the oldest beyond the per-person cap,
    end here."""
    now = timezone.now()
    with transaction.atomic():
        tokens = AuthToken.objects.filter(user=user)
        tokens.filter(expiry__lte=now).delete()
        limit = settings.API_TOKEN_LIMIT_PER_USER
        if limit:
            surplus = list(
                tokens.order_by("-created").values_list("digest", flat=True)[
                    limit - 1 :
                ]
            )
            if surplus:
                AuthToken.objects.filter(digest__in=surplus).delete()
        return AuthToken.objects.create(user=user, expiry=first_expiry())


def api_tokens_revoke(*, user, token: AuthToken | None = None) -> int:
    """End ``token``, or every token of ``user``. Returns how many ended."""
    tokens = AuthToken.objects.filter(user=user)
    if token is not None:
        tokens = tokens.filter(digest=token.digest)
    deleted, _by_model = tokens.delete()
    return deleted


class ExpiringTokenAuthentication(TokenAuthentication):
    """knox's token authentication, refusing a malformed header before any query
    (a stray byte would otherwise be a server error) and a token past its
    absolute lifetime even if its expiry was pushed on."""

    def authenticate_credentials(self, token):
        try:
            text = token.decode("ascii")
        except UnicodeDecodeError:
            text = ""
        if not TOKEN_PATTERN.fullmatch(text):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return super().authenticate_credentials(token)

    def validate_user(self, auth_token):
        if auth_token.created + absolute_lifetime() <= timezone.now():
            auth_token.delete()
            raise exceptions.AuthenticationFailed(
                _("The token has expired; ask for a new one.")
            )
        user, auth_token = super().validate_user(auth_token)
        loaded_for_request(user)  # read with the token, just now
        return user, auth_token

    def authenticate_header(self, request):
        return knox_settings.AUTH_HEADER_PREFIX


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    target_class = ExpiringTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=HEADER_PREFIX
        )
