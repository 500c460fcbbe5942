"""Session lifetime: an idle timeout and an absolute lifetime for signed-in users;
and the end of a person's API tokens when their password, account or roles change.

Django alone expires a session ``SESSION_COOKIE_AGE`` seconds after it was last
saved, so a session that is written on every request never ends. Here the end is
fixed at sign-in (``set_expiry`` with a date), and a last-activity timestamp in the
session ends it after ``SESSION_IDLE_TIMEOUT`` seconds without a request.
"""

import time
from datetime import UTC, datetime
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, get_user_model, logout
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from secretariat.accounts import tokens as api_tokens

SIGNED_IN_AT = "security.signed_in_at"
LAST_ACTIVITY = "security.last_activity"

# The last-activity stamp is rewritten at most this often, so that a busy user's
# session is not saved on every request; the idle timeout is this much coarser.
ACTIVITY_RESOLUTION = 60


def _start(session, now: float) -> None:
    session[SIGNED_IN_AT] = now
    session[LAST_ACTIVITY] = now
    session.set_expiry(
        datetime.fromtimestamp(now + settings.SESSION_COOKIE_AGE, tz=UTC)
    )


@receiver(user_logged_in, dispatch_uid="secretariat.accounts.sessions.start")
def _start_at_sign_in(sender, request, user, **kwargs):
    # login() has just given the session a new key; the clocks start now, in the
    # same save (also for the test client's force_login).
    if request is not None and hasattr(request, "session"):
        _start(request.session, time.time())


class SessionLifetimeMiddleware:
    """Ends idle and over-age sessions, and those of deactivated accounts.

    Placed after the authentication and message middleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = self._check(request)
        if refusal is not None:
            return refusal
        return self.get_response(request)

    def _check(self, request):
        session = request.session
        if SESSION_KEY not in session:
            return None
        user = request.user
        if not user.is_authenticated or not user.is_active:
            # The account was deactivated or deleted (the backend no longer
            # returns it): end the session for good, so that reactivating the
            # account does not revive it.
            logout(request)
            return None
        now = time.time()
        if SIGNED_IN_AT not in session:
            # A session from before these clocks existed.
            _start(session, now)
            return None
        idle_limit = settings.SESSION_IDLE_TIMEOUT
        idle = now - session.get(LAST_ACTIVITY, now)
        if idle > idle_limit:
            minutes = max(1, idle_limit // 60)
            message = ngettext(
                "Your session expired after %(minutes)d minute without activity; "
                "please sign in again.",
                "Your session expired after %(minutes)d minutes without activity; "
                "please sign in again.",
                minutes,
            ) % {"minutes": minutes}
            return self._end(request, message)
        if now - session[SIGNED_IN_AT] > settings.SESSION_COOKIE_AGE:
            hours = settings.SESSION_COOKIE_AGE / 3600
            return self._end(
                request,
                _("Your session ended after %(hours)g hours; please sign in again.")
                % {"hours": hours},
            )
        if idle >= ACTIVITY_RESOLUTION:
            session[LAST_ACTIVITY] = now
        return None

    def _end(self, request, message):
        logout(request)
        if request.path_info.startswith("/api/"):
            # API clients get the anonymous answer (401/403) of the endpoint.
            return None
        messages.info(request, message)
        login_url = resolve_url(settings.LOGIN_URL)
        if request.method == "GET":
            return redirect(f"{login_url}?next={quote(request.get_full_path())}")
        return redirect(login_url)


# ---------------------------------------------------------------- API tokens
# A changed password ends the person's other web sessions (Django's session
# hash); these end their API tokens too, and also when the account is
# deactivated or loses a role, or administrator rights: whatever the token was
# issued for may no longer hold. Tokens are hashed, so they cannot be re-checked
# against the password; they are deleted instead.

User = get_user_model()
WATCHED_FIELDS = ("password", "is_active", "is_superuser", "is_staff")


def _ends_tokens(before, after) -> bool:
    return (
        before["password"] != after.password
        or (before["is_active"] and not after.is_active)
        or (before["is_superuser"] and not after.is_superuser)
        or (before["is_staff"] and not after.is_staff)
    )


@receiver(
    pre_save, sender=User, dispatch_uid="secretariat.accounts.sessions.tokens_pre"
)
def _note_account_change(sender, instance, update_fields=None, raw=False, **kwargs):
    instance._ends_api_tokens = False
    if raw or instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & set(WATCHED_FIELDS):
        return  # e.g. the last sign-in time, written at every sign-in
    before = User.objects.filter(pk=instance.pk).values(*WATCHED_FIELDS).first()
    instance._ends_api_tokens = before is not None and _ends_tokens(before, instance)


@receiver(
    post_save, sender=User, dispatch_uid="secretariat.accounts.sessions.tokens_post"
)
def _end_tokens_on_account_change(sender, instance, raw=False, **kwargs):
    if not raw and getattr(instance, "_ends_api_tokens", False):
        instance._ends_api_tokens = False
        api_tokens.api_tokens_revoke(user=instance)


@receiver(
    m2m_changed,
    sender=User.groups.through,
    dispatch_uid="secretariat.accounts.sessions.roles",
)
def _end_tokens_on_role_removal(sender, instance, action, reverse, pk_set, **kwargs):
    """Roles are groups: taken from a person (``user.groups.remove``) or a
    person taken from a role (``group.user_set.remove``), or all at once."""
    if action == "pre_clear" and reverse:
        instance._cleared_user_ids = set(instance.user_set.values_list("pk", flat=True))
        return
    if action not in {"post_remove", "post_clear"}:
        return
    if not reverse:
        api_tokens.api_tokens_revoke(user=instance)
        return
    user_ids = pk_set if action == "post_remove" else instance._cleared_user_ids
    for user in User.objects.filter(pk__in=user_ids or ()):
        api_tokens.api_tokens_revoke(user=user)
