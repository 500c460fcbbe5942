"""People and the security log."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from secretariat.kernel.models import AppendOnlyModel
from secretariat.kernel.timezones import time_zone_choices


class User(AbstractUser):
    email = models.EmailField(_("email address"), unique=True)
    # The state a member liaison or a co-lead approver acts for.
    member_state = models.ForeignKey(
        "members.MemberState",
        verbose_name=_("member state"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_(
            "For member liaisons and co-lead approvers: the state they act for."
        ),
    )
    # The company a manufacturer representative acts for.
    manufacturer = models.ForeignKey(
        "procurement.Manufacturer",
        verbose_name=_("manufacturer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="representatives",
        help_text=_("For manufacturer representatives: the company they act for."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        choices=time_zone_choices,
        default=settings.TIME_ZONE,
        help_text=_("Dates and times are shown to you in this time zone."),
    )
    # Pages, messages, notifications, emails and reports are written to the
    # person in this language (secretariat.accounts.languages). A database
    # default too, so that rows copied in bulk (seed_scale) get English.
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
        db_default="en",
        help_text=_(
            "Pages, messages, emails and reports are written to you in this language."
        ),
    )

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self):
        return self.get_full_name() or self.username

    def has_perm(self, perm, obj=None):
        """A permission that names a workflow action asks that action's policy,
        superusers included: Django's own check lets a superuser pass every
        permission, which would let an administrator bid, approve or score."""
        from secretariat.kernel import policy

        name = policy.PERMS.get(perm)
        if name is not None:
            return policy.decide(name, self, obj).allowed
        return super().has_perm(perm, obj)


class SecurityEventKind(models.TextChoices):
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Sign-in failed")
    LOGOUT = "logout", _("Signed out")
    PERMISSION_DENIED = "permission_denied", _("Permission denied")
    BUSINESS_RULE_REFUSED = "business_rule_refused", _("Business rule refused")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    PASSWORD_RESET_REQUESTED = "password_reset_requested", _("Password reset requested")
    LOCKED_OUT = "locked_out", _("Locked out after failed sign-ins")
    UNLOCKED = "unlocked", _("Sign-in lockout lifted")
    TWO_FACTOR_ENROLLED = "two_factor_enrolled", _("Second factor set up")
    TWO_FACTOR_VERIFIED = "two_factor_verified", _("Second factor verified")
    TWO_FACTOR_FAILED = "two_factor_failed", _("Second factor refused")
    TWO_FACTOR_RESET = "two_factor_reset", _("Second factor removed")
    REAUTHENTICATED = "reauthenticated", _("Confirmed with a second factor")


class SecurityEvent(AppendOnlyModel):
    """Who did what, when and from where, for security review. Written by
    ``secretariat.accounts.audit`` only; never changed (a trigger on PostgreSQL,
    0015)."""

    kind = models.CharField(
        _("event"), max_length=40, choices=SecurityEventKind.choices
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # As typed, so that failed sign-ins for unknown names are still seen.
    username = models.CharField(_("user name"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    path = models.CharField(_("path"), max_length=500, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        indexes = [
            models.Index(fields=["-at", "-id"], name="security_event_by_time"),
            models.Index(fields=["user", "-at"], name="security_event_by_user"),
        ]

    def __str__(self):
        who = self.username or (self.user and self.user.username) or "-"
        return f"{self.get_kind_display()}: {who} at {self.at:%Y-%m-%d %H:%M:%S}"
