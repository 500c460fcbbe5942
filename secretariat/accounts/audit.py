"""Security events: who signed in, who failed to, who was refused and why.

Each event is one append-only ``SecurityEvent`` row written inside the request,
with the user, the name as typed, the address and the path (under a tender, a
lot or a bid only its route, see ``secretariat.kernel.redaction``). The middleware keeps
the current request at hand so that the one place that turns a refused business
rule into a form error (``secretariat.kernel.forms.call_service``) can record it without
every view passing the request along.
"""

import ipaddress
from contextvars import ContextVar

from django.conf import settings
from django.contrib.auth import signals as auth_signals
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver

from secretariat.accounts.languages import PasswordResetForm
from secretariat.accounts.models import SecurityEvent, SecurityEventKind
from secretariat.kernel import signals
from secretariat.kernel.redaction import is_sealed_path, loggable_path
from secretariat.kernel.roles import Role, has_role

USER_AGENT_MAX_LENGTH = SecurityEvent._meta.get_field("user_agent").max_length
PATH_MAX_LENGTH = SecurityEvent._meta.get_field("path").max_length
BID_REFUSAL_WITHHELD = "(bid refusal, not recorded)"

_current_request = ContextVar("secretariat_audit_request", default=None)


def current_request():
    """The request being served on this thread, if any (for signal receivers)."""
    return _current_request.get()


def client_ip(request) -> str | None:
    """The client's address, the one used by the lockout, the audit and the API's
    rate limits.

    Without a proxy it is ``REMOTE_ADDR``. Behind ``TRUSTED_PROXY_COUNT`` proxies
    that each append the address they received the request from to
    X-Forwarded-For (nginx's ``$proxy_add_x_forwarded_for``), the right-most
    entries are theirs and the client's address is the one the outermost
    trusted proxy appended, counted from the right. Anything to its left was
    written by the client and is never believed: a sign-in guesser could
    otherwise pick a fresh address per attempt, or lock out someone else's.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote
    candidate = hops[-min(trusted, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        # Not an address (a misconfigured proxy): the proxy's own address is
        # what we know for sure.
        return remote


def record(kind, *, request=None, user=None, username="", detail="") -> SecurityEvent:
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    if user is not None and not username:
        username = user.get_username()
    meta = request.META if request is not None else {}
    return SecurityEvent.objects.create(
        kind=kind,
        user=user,
        username=username[:150],
        ip_address=client_ip(request) if request is not None else None,
        user_agent=meta.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX_LENGTH],
        path=_path(request),
        detail=detail,
    )


def _path(request) -> str:
    """The path, without what it says of a tender, a lot or a bid: which tender
    a company acted on is sealed like its bid (``secretariat.kernel.redaction``)."""
    return loggable_path(request)[:PATH_MAX_LENGTH] if request is not None else ""


def record_refusal(message, request=None) -> None:
    """A business rule refused what someone asked. A refusal about a sealed bid,
    said to its bidder, can tell that the company already bid on the lot: the
    administrators who read these events must not learn it, so its message is
    withheld."""
    request = request or _current_request.get()
    if request is None:
        return
    user = getattr(request, "user", None)
    bidder = user is not None and (
        getattr(user, "manufacturer_id", None)
        or has_role(user, Role.MANUFACTURER_REPRESENTATIVE)
    )
    detail = BID_REFUSAL_WITHHELD if bidder and is_sealed_path(request) else message
    record(SecurityEventKind.BUSINESS_RULE_REFUSED, request=request, detail=detail)


def record_permission_denied(request, exc=None) -> None:
    record(
        SecurityEventKind.PERMISSION_DENIED,
        request=request,
        detail=str(exc or "")[:500],
    )


class SecurityAuditMiddleware:
    """Keeps the request at hand for ``record_refusal`` and records the web
    pages' permission refusals (the API records its own, in its exception
    handler: DRF catches them before they reach here)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            record_permission_denied(request, exception)
        return None


# ---------------------------------------------------------------- sign-in


@receiver(auth_signals.user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender, request, user, **kwargs):
    record(SecurityEventKind.LOGIN, request=request, user=user)


@receiver(auth_signals.user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username") or credentials.get("email") or "")
    if request is None:
        request = _current_request.get()
    # Not through ``record``: asking a DRF request (the token view) for its user
    # would start authentication again; there is no user anyway.
    SecurityEvent.objects.create(
        kind=SecurityEventKind.LOGIN_FAILED,
        username=username[:150],
        ip_address=client_ip(request) if request is not None else None,
        user_agent=(
            request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX_LENGTH]
            if request is not None
            else ""
        ),
        path=_path(request),
    )


@receiver(auth_signals.user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(SecurityEventKind.LOGOUT, request=request, user=user)


# ---------------------------------------------------------------- passwords
# Django sends no signal for these, so the auth views are extended here.


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form):
        response = super().form_valid(form)
        record(SecurityEventKind.PASSWORD_CHANGED, request=self.request)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm

    def form_valid(self, form):
        # The address as typed; whether it belongs to anyone is not told.
        record(
            SecurityEventKind.PASSWORD_RESET_REQUESTED,
            request=self.request,
            username=form.cleaned_data["email"],
        )
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        record(
            SecurityEventKind.PASSWORD_CHANGED,
            request=self.request,
            user=form.user,
            detail="by reset link",
        )
        return response


@receiver(signals.refused, dispatch_uid="audit_refused")
def _on_refused(sender, message, request=None, **kwargs):
    record_refusal(message, request)


@receiver(signals.permission_denied, dispatch_uid="audit_permission_denied")
def _on_permission_denied(sender, request, exc=None, **kwargs):
    record_permission_denied(request, exc)
