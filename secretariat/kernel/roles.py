"""The roles people hold. Each is a Django group, created in code by a migration."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from secretariat.kernel import cache as safe_cache

ROLE_CACHE_SECONDS = 10 * 60


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
        cached = _group_names(user)
        if user.is_superuser:
            cached |= {Role.ADMINISTRATOR}
        user._role_names = cached
    return cached


# Set on the person a request has just read from the database (its session's
# or its token's): only their stamp is known to be the current one.
LOADED_FOR_REQUEST = "_loaded_for_request"


def loaded_for_request(user) -> None:
    """Mark ``user`` as read from the database for the request now served, so
    that their role names may come from the cache (keyed by the stamp just
    read)."""
    setattr(user, LOADED_FOR_REQUEST, True)


def _group_names(user) -> frozenset[str]:
    # The request's person: from the cache, under the stamp their row carried
    # at the start of the request, which every change of their groups renews
    # (secretariat.accounts.auth_stamp): a role taken away is read afresh on
    # the next request. Any other copy may have been read before a change (a
    # stamp held in memory is not the current one): from the database.
    stamp = None
    if getattr(user, LOADED_FOR_REQUEST, False):
        stamp = getattr(user, "auth_stamp", None)
    key = f"roles:{user.pk}:{stamp}" if stamp is not None else None
    if key is not None:
        names = safe_cache.safe_get(key)
        if names is not None:
            return frozenset(names)
    names = frozenset(user.groups.values_list("name", flat=True))
    if key is not None:
        safe_cache.safe_set(key, sorted(names), ROLE_CACHE_SECONDS)
    return names


def has_role(user, *roles) -> bool:
    return bool(role_names(user) & set(roles))


def is_staff_reader(user) -> bool:
    return bool(role_names(user) & STAFF_ROLES)
