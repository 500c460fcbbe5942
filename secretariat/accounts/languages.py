"""The language each person reads the product in.

A signed-in person chooses theirs on their settings page (``User.language``),
and that choice wins over the browser's: a Ukrainian officer on a borrowed
English laptop still reads Ukrainian. Anonymous pages (sign-in, password reset)
follow Django's ``LocaleMiddleware``: the language cookie that saving the
settings page sets, then the browser's Accept-Language, then English.

Whatever is written to a person outside a request of theirs (a notification, an
email, a report built by a worker) is written in their language with
``speaking_to``."""

import zoneinfo
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth import forms as auth_forms
from django.utils import timezone, translation


def language_of(user) -> str:
    """The person's language, as one of ``settings.LANGUAGES`` (English for
    anyone without a known choice)."""
    code = getattr(user, "language", "") or ""
    known = {name for name, _label in settings.LANGUAGES}
    return code if code in known else "en"


@contextmanager
def speaking(language: str, time_zone: str = ""):
    """The block writes in ``language`` (its translations, date and number
    formats) and shows times in ``time_zone`` (the default zone if none or an
    unknown one)."""
    try:
        zone = zoneinfo.ZoneInfo(time_zone) if time_zone else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = None
    with translation.override(language or "en"), timezone.override(zone):
        yield


def speaking_to(user):
    """The block writes to ``user``: in their language and their time zone."""
    return speaking(language_of(user), getattr(user, "time_zone", ""))


def remember_language(response, code: str) -> None:
    """The language cookie, so that the sign-in page after signing out speaks
    the language the person chose (``LocaleMiddleware`` reads it)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE or settings.SESSION_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
    )


class UserLanguageMiddleware:
    """Activates the signed-in person's language for the request. After
    ``AuthenticationMiddleware``; ``LocaleMiddleware`` (earlier) has chosen one
    for everyone else, and writes Content-Language from what is active here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Only a request with a signed-in session loads its user here (as the
        # time zone middleware does): others cost no query.
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_KEY) is not None:
            user = request.user
            if user.is_authenticated:
                code = language_of(user)
                translation.activate(code)
                request.LANGUAGE_CODE = code
        return self.get_response(request)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """The reset link is written to each account in the language its owner
    chose, whatever language the page asking for it was in."""

    def send_mail(self, *args, **kwargs):
        context = args[2] if len(args) > 2 else kwargs["context"]
        with speaking_to(context["user"]):
            super().send_mail(*args, **kwargs)
