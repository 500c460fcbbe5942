"""Two-factor sign-in: a code from an authenticator app (TOTP, django-otp).

Who must use it: everyone who reads the fund or opened bids or decides anything
(administrators, secretariat, procurement and finance officers, co-lead approvers
and evaluators), plus anyone who chose to set it up. After the password, such a
person reaches nothing but the code page (or, the first time, the set-up page)
until the code is given; the Django admin is behind the same gate. The API does
not take an unverified session; an API token is only issued against a code.

A code is accepted once: django-otp remembers the last time step used per device
and refuses it and every earlier one. Wrong codes slow down (django-otp's
throttle doubles the wait after each failure). A password reset does not sign
the person in, so the code is still asked for afterwards.

Above the approval policy's one-approver limit, approving a disbursement asks for
a fresh code too (``presence_refusal``): whoever left a signed-in browser behind
cannot approve for them.
"""

import base64
from dataclasses import dataclass
from io import BytesIO

import django_otp
import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth import signals as auth_signals
from django.contrib.auth.decorators import login_required
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import SessionAuthentication

from secretariat.accounts import audit
from secretariat.accounts.models import SecurityEventKind
from secretariat.kernel.roles import Role, has_role

# The roles that cannot sign in without a second factor.
REQUIRED_ROLES = (
    Role.ADMINISTRATOR,
    Role.SECRETARIAT_OFFICER,
    Role.PROCUREMENT_OFFICER,
    Role.FINANCE_OFFICER,
    Role.CO_LEAD_APPROVER,
    Role.EVALUATOR,
)
# Set in the session at sign-in for people who set up a code without needing one.
ENROLLED_SESSION_KEY = "two_factor_enrolled"
# The pages an unverified person may still open.
OPEN_URL_NAMES = frozenset(
    {
        "two_factor_verify",
        "two_factor_setup",
        "login",
        "logout",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        "healthz",
        "readyz",
        "metrics",
    }
)
DEVICE_NAME = "Authenticator app"


def role_requires(user) -> bool:
    # A superuser holds the Administrator role (roles.role_names), a required one.
    return bool(user.is_staff or has_role(user, *REQUIRED_ROLES))


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def needs_code(request) -> bool:
    """Signed in with a password, but the second factor is still owed."""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return False
    return role_requires(user) or bool(request.session.get(ENROLLED_SESSION_KEY))


@receiver(auth_signals.user_logged_in, dispatch_uid="two_factor_enrolled_flag")
def _remember_enrolment(sender, request, user, **kwargs):
    # One query at sign-in, so that the gate costs nothing on each page.
    if (
        hasattr(request, "session")
        and not role_requires(user)
        and confirmed_device(user) is not None
    ):
        request.session[ENROLLED_SESSION_KEY] = True


class TwoFactorMiddleware:
    """After django-otp's middleware: send whoever owes a code to the code page.
    API paths are left to the API's own authentication (``VerifiedSession``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if needs_code(request) and not self._open(request):
            target = (
                "two_factor_verify"
                if confirmed_device(request.user)
                else "two_factor_setup"
            )
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse(target)}?{query}")
        return self.get_response(request)

    @staticmethod
    def _open(request) -> bool:
        if request.path_info.startswith("/api/"):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return True  # a 404 page tells nothing
        return match.url_name in OPEN_URL_NAMES


class VerifiedSessionAuthentication(SessionAuthentication):
    """The browser's session for the API, only once the code has been given."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and needs_code(request._request):
            return None
        return result


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = VerifiedSessionAuthentication
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        from django.conf import settings

        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}


# ---------------------------------------------------------------- codes


def _code_field():
    return forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        max_length=8,
        min_length=6,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]*",
                "autofocus": True,
            }
        ),
        help_text=gettext_lazy("The six digits your app shows now."),
    )


def code_refusal(device: TOTPDevice | None, code: str) -> str | None:
    """Why ``code`` is not accepted for ``device`` now, or None if it is (and is
    then used up)."""
    if device is None:
        return _(
            "Set up an authenticator app first: Account settings, Two-factor "
            "authentication."
        )
    allowed, details = device.verify_is_allowed()
    if not allowed:
        wait = (details or {}).get("locked_until")
        return _(
            "Too many wrong codes. Wait a moment, then enter the code your app "
            "shows now."
        ) + (f" ({_('until')} {wait:%H:%M:%S})" if wait else "")
    if not device.verify_token((code or "").strip().replace(" ", "")):
        return _(
            "This code is not valid, or has already been used. Enter the code "
            "your app shows now."
        )
    return None


def presence_refusal(request, user, code: str) -> str | None:
    """A fresh code, for an action that must be taken by the person in front of
    the screen. Records the outcome as a security event."""
    refusal = code_refusal(confirmed_device(user), code)
    audit.record(
        SecurityEventKind.TWO_FACTOR_FAILED
        if refusal
        else SecurityEventKind.REAUTHENTICATED,
        request=request,
        user=user,
        detail=getattr(request, "path", "") if refusal is None else refusal,
    )
    return refusal


@dataclass(frozen=True)
class FreshCode:
    """The code a person typed with an action that asks for one (an approval
    above the one-approver limit), handed to the service that checks it; the web
    request, if any, is for the security event."""

    code: str
    request: object = None


def fresh_code_refusal(proof: FreshCode | None, user) -> str | None:
    """Why ``proof`` does not show that ``user`` is in front of the screen now,
    or None (the code is then used up)."""
    if proof is None or not (proof.code or "").strip():
        return _(
            "Enter the code your authenticator app shows now: approving above the "
            "one-approver limit asks for a fresh one."
        )
    return presence_refusal(proof.request, user, proof.code)


def code_form_field():
    """The code field for forms that ask for it again (approvals)."""
    field = _code_field()
    field.help_text = gettext_lazy(
        "Above the one-approver limit, approving asks for a fresh code: the six "
        "digits your app shows now."
    )
    return field


def approval_needs_code(disbursement) -> bool:
    """Approving this request asks for a fresh code: it is above the approval
    policy's one-approver limit (it needs two co-lead approvals)."""
    return (disbursement.approvals_needed or 0) > 1


class CodeForm(forms.Form):
    otp_token = _code_field()


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target,
        allowed_hosts={request.get_host()},
        require_https=request.is_secure(),
    ):
        return target
    return reverse("start")


def _sign_in_with(request, device) -> None:
    request.session.cycle_key()
    django_otp.login(request, device)
    if not role_requires(request.user):
        request.session[ENROLLED_SESSION_KEY] = True


@login_required
def verify(request):
    """The sign-in's second step."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    device = confirmed_device(request.user)
    if device is None:
        return redirect(
            f"{reverse('two_factor_setup')}?{urlencode({'next': _next_url(request)})}"
        )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        refusal = code_refusal(device, form.cleaned_data["otp_token"])
        if refusal is None:
            _sign_in_with(request, device)
            audit.record(SecurityEventKind.TWO_FACTOR_VERIFIED, request=request)
            return redirect(_next_url(request))
        form.add_error("otp_token", refusal)
        audit.record(
            SecurityEventKind.TWO_FACTOR_FAILED, request=request, detail=refusal
        )
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": _next_url(request)},
    )


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _grouped_secret(device) -> str:
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
def setup(request):
    """Set up (or replace) the authenticator app. Replacing needs the current
    second factor: someone holding only the password cannot swap it for their
    own."""
    existing = confirmed_device(request.user)
    if existing is not None and not request.user.is_verified():
        return redirect(
            f"{reverse('two_factor_verify')}?{urlencode({'next': request.path})}"
        )
    pending = (
        TOTPDevice.objects.filter(user=request.user, confirmed=False)
        .order_by("-pk")
        .first()
    )
    if pending is None:
        pending = TOTPDevice.objects.create(
            user=request.user, name=DEVICE_NAME, confirmed=False
        )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        refusal = code_refusal(pending, form.cleaned_data["otp_token"])
        if refusal is None:
            TOTPDevice.objects.filter(user=request.user).exclude(pk=pending.pk).delete()
            pending.confirmed = True
            pending.save(update_fields=["confirmed"])
            _sign_in_with(request, pending)
            audit.record(SecurityEventKind.TWO_FACTOR_ENROLLED, request=request)
            messages.success(
                request,
                _("Your authenticator app is set up: sign-in now asks for its code."),
            )
            return redirect(_next_url(request))
        form.add_error("otp_token", refusal)
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "next": _next_url(request),
            "replacing": existing is not None,
            "required": role_requires(request.user),
            "qr": _qr_svg(pending.config_url),
            "secret": _grouped_secret(pending),
        },
    )


@receiver(post_delete, sender=TOTPDevice, dispatch_uid="two_factor_reset_audit")
def _device_removed(sender, instance, **kwargs):
    if not instance.confirmed:
        return
    request = audit.current_request()
    audit.record(
        SecurityEventKind.TWO_FACTOR_RESET,
        request=request,
        user=instance.user,
        detail=(
            f"removed by {request.user.get_username()}"
            if request is not None and request.user.is_authenticated
            else "removed"
        ),
    )
