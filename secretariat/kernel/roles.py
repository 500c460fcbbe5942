"""The roles people hold. Each is a Django group, created in code by a migration."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    SECRETARIAT_OFFICER = "secretariat_officer", _("Secretariat officer")
    PROCUREMENT_OFFICER = "procurement_officer", _("Procurement officer")
    FINANCE_OFFICER = "finance_officer", _("Finance officer")
    CO_LEAD_APPROVER = "co_lead_approver", _("Co-lead approver")
    EVALUATOR = "evaluator", _("Evaluator")
    MEMBER_LIAISON = "member_liaison", _("Member liaison")
    MANUFACTURER_REPRESENTATIVE = (
        "manufacturer_representative",
        _("Manufacturer representative"),
    )
    END_USER = "end_user", _("Ukrainian end user")


# Roles that read every member's records (the secretariat and the co-leads).
STAFF_ROLES = frozenset(
    {
        Role.ADMINISTRATOR,
        Role.SECRETARIAT_OFFICER,
        Role.PROCUREMENT_OFFICER,
        Role.FINANCE_OFFICER,
        Role.CO_LEAD_APPROVER,
    }
)

# Roles that take effect only when a second administrator confirms them
# (``secretariat.accounts.grants``): they move money, approve, buy or score.
SENSITIVE_ROLES = frozenset(
    {
        Role.ADMINISTRATOR,
        Role.FINANCE_OFFICER,
        Role.CO_LEAD_APPROVER,
        Role.PROCUREMENT_OFFICER,
        Role.EVALUATOR,
    }
)


def role_names(user) -> frozenset[str]:
    """The user's role names, read once per user object.

    The one place that decides what a superuser is in the workflows: they hold
    the Administrator role and nothing more (administration, not bidding,
    approving or scoring, unless given that role too). Nothing else checks
    ``is_superuser``; Django's blanket yes for superusers is kept only for
    permissions no workflow action declares (``User.has_perm``)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            cached |= {Role.ADMINISTRATOR}
        user._role_names = cached
    return cached


def has_role(user, *roles) -> bool:
    return bool(role_names(user) & set(roles))


def is_staff_reader(user) -> bool:
    return bool(role_names(user) & STAFF_ROLES)
