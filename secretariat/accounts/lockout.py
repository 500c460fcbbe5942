"""Lockout after repeated failed sign-ins (django-axes).

Failures are counted per user name *and* address together
(``AXES_LOCKOUT_PARAMETERS``): an attacker guessing passwords from one address
locks out only that pair, never the real person signing in from elsewhere. A
lockout lifts by itself after ``AXES_COOLOFF_TIME``; an administrator lifts it
at once by deleting the attempt in the admin (*Access attempts*), which is
recorded. Both the lockout and the unlocking are security events.
"""

from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from secretariat.accounts import audit
from secretariat.accounts.models import SecurityEventKind, User


def cooloff_minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def lockout_message() -> str:
    return _(
        "Too many failed sign-ins for this user name from your address. Try again "
        "in %(minutes)d minutes, or ask an administrator to unlock it."
    ) % {"minutes": cooloff_minutes()}


def attempted_username(request, credentials=None) -> str | None:
    """The user name a sign-in tried, as django-axes records it: cut to the
    longest a user name can be (a longer one names no account), so that a
    100,000-character name is a failed sign-in, not a database error."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        name = credentials.get(field)
    else:
        name = request.POST.get(field) if request is not None else None
    return None if name is None else str(name)[: User.username.field.max_length]


def lockout_response(request, original_response=None, credentials=None):
    """429 with a message a person can act on; JSON for the API."""
    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": lockout_message()}, status=status)
    return render(
        request,
        "registration/locked_out.html",
        {"cooloff_minutes": cooloff_minutes()},
        status=status,
    )


@receiver(user_locked_out, dispatch_uid="audit_locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    audit.record(
        SecurityEventKind.LOCKED_OUT,
        request=request,
        user=None,
        username=str(username or ""),
        detail=_("locked for %(minutes)d minutes from %(address)s")
        % {"minutes": cooloff_minutes(), "address": ip_address},
    )


@receiver(post_delete, sender=AccessAttempt, dispatch_uid="audit_unlocked")
def _unlocked(sender, instance, **kwargs):
    request = audit.current_request()
    if request is None or instance.failures_since_start < settings.AXES_FAILURE_LIMIT:
        return  # a successful sign-in clearing its failures, not an unlock
    audit.record(
        SecurityEventKind.UNLOCKED,
        request=request,
        username=instance.username or "",
        detail=_("unlocked %(who)s from %(address)s by %(admin)s")
        % {
            "who": instance.username,
            "address": instance.ip_address,
            "admin": request.user.get_username()
            if request.user.is_authenticated
            else "-",
        },
    )
