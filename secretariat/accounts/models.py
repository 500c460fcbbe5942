"""People and the security log."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from secretariat.kernel.chain import ChainedModel
from secretariat.kernel.models import AppendOnlyModel
from secretariat.kernel.roles import Role
from secretariat.kernel.timezones import time_zone_choices
from secretariat.kernel.workflow import Workflow


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
    # Renewed (one UPDATE, in the transaction of the change) whenever something
    # the cache keeps for this person could change: roles, activation, rights,
    # password, second-factor devices (secretariat.accounts.auth_stamp). Cached
    # role names and devices are keyed by it, so a change takes effect on the
    # next request. A database default, so that bulk inserts (seed_scale) work.
    auth_stamp = models.PositiveBigIntegerField(default=0, db_default=0, editable=False)

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
    ROLE_GRANT_REQUESTED = "role_grant_requested", _("Role grant requested")
    ROLE_GRANT_CONFIRMED = "role_grant_confirmed", _("Role grant confirmed")
    ROLE_GRANT_REFUSED = "role_grant_refused", _("Role grant refused")
    ROLE_GRANTED = "role_granted", _("Role given")
    ROLE_REMOVED = "role_removed", _("Role removed")
    INTEGRITY_BROKEN = "integrity_broken", _("Records no longer match their hashes")


class SecurityEvent(ChainedModel, AppendOnlyModel):
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
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "chain_seq"], name="security_event_chain_seq"
            ),
        ]

    def chain_name(self) -> str:
        return "security"

    def __str__(self):
        who = self.username or (self.user and self.user.username) or "-"
        return f"{self.get_kind_display()}: {who} at {self.at:%Y-%m-%d %H:%M:%S}"


class RoleGrantStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a second administrator")
    CONFIRMED = "confirmed", _("Confirmed")
    REFUSED = "refused", _("Refused")


ROLE_GRANT_TRANSITIONS = {
    RoleGrantStatus.PENDING: {
        RoleGrantStatus.CONFIRMED: _("Confirm"),
        RoleGrantStatus.REFUSED: _("Refuse"),
    },
}


class RoleGrant(models.Model):
    """A sensitive role asked for someone by one administrator. It takes effect
    (the person joins the role's group) only when a second administrator
    confirms it (``secretariat.accounts.grants``). Every request, confirmation
    and refusal is also a security event."""

    workflow = Workflow(
        moves=ROLE_GRANT_TRANSITIONS,
        labels=dict(RoleGrantStatus.choices),
        timeline=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="role_grants",
    )
    role = models.CharField(_("role"), max_length=40, choices=Role.choices)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=RoleGrantStatus.choices,
        default=RoleGrantStatus.PENDING,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(status="pending"),
                name="role_grant_one_pending",
            ),
        ]

    def __str__(self):
        return f"{self.get_role_display()}: {self.user} ({self.get_status_display()})"

    def get_absolute_url(self):
        # Confirmed or refused in the admin's list of grants.
        return (
            reverse("admin:secretariat_rolegrant_changelist") + f"?id__exact={self.pk}"
        )
