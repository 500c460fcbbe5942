"""Policies of people's roles: two people for privilege.

A sensitive role (``roles.SENSITIVE_ROLES``: administrator, finance officer,
co-lead approver, procurement officer, evaluator) is asked for by one
administrator and takes effect only when a second administrator confirms it;
nobody confirms a grant they asked for, or one that makes themselves more
powerful. Removing a role takes effect at once.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from secretariat.accounts.models import RoleGrant, RoleGrantStatus, User
from secretariat.kernel.policy import action, allow, not_now, queue, refuse
from secretariat.kernel.roles import Role, has_role


def _administrator(user):
    if has_role(user, Role.ADMINISTRATOR):
        return allow()
    return refuse(_("Only an administrator gives or removes roles."), hidden=True)


@action("role_grant.request", label=gettext_lazy("Ask for a role"), model=RoleGrant)
def role_grant_request(user, grant=None):
    """``grant``: an unsaved RoleGrant naming the person and the role."""
    who = _administrator(user)
    if not who or grant is None:
        return who
    if not grant.user.is_active:
        return not_now(
            _("%(person)s's account is not active.") % {"person": grant.user}
        )
    if grant.role in grant.user.groups.values_list("name", flat=True):
        return not_now(
            _("%(person)s already holds the role %(role)s.")
            % {"person": grant.user, "role": grant.get_role_display()}
        )
    pending = RoleGrant.objects.filter(
        user=grant.user, role=grant.role, status=RoleGrantStatus.PENDING
    )
    if pending.exists():
        return not_now(
            _("The role %(role)s for %(person)s already waits for confirmation.")
            % {"person": grant.user, "role": grant.get_role_display()}
        )
    return allow()


def _decided_by_other(user, grant, verb):
    if grant.requested_by_id == user.pk:
        return refuse(
            _("You asked for this role; a second administrator must %(verb)s it.")
            % {"verb": verb}
        )
    if grant.user_id == user.pk:
        return refuse(_("Nobody confirms a role given to themselves."))
    return allow()


def _pending(grant):
    if grant.status != RoleGrantStatus.PENDING:
        return not_now(
            _("This grant is already %(status)s.")
            % {"status": grant.get_status_display().lower()},
            hidden=True,
        )
    return allow()


@action(
    "role_grant.confirm",
    label=gettext_lazy("Confirm"),
    model=RoleGrant,
    work_label=gettext_lazy("Confirm a role grant"),
)
def role_grant_confirm(user, grant=None):
    who = _administrator(user)
    if not who or grant is None:
        return who
    for decision in (
        _pending(grant),
        _decided_by_other(user, grant, _("confirm")),
    ):
        if not decision:
            return decision
    if not grant.user.is_active:
        return not_now(
            _("%(person)s's account is not active.") % {"person": grant.user}
        )
    return allow()


@queue("role_grant.confirm")
def role_grants_to_confirm(user, queryset):
    if not has_role(user, Role.ADMINISTRATOR):
        return queryset.none()
    return (
        queryset.filter(status=RoleGrantStatus.PENDING, user__is_active=True)
        .exclude(requested_by=user)
        .exclude(user=user)
    )


@action("role_grant.refuse", label=gettext_lazy("Refuse"), model=RoleGrant)
def role_grant_refuse(user, grant=None):
    """Any administrator may turn a pending grant down, the one who asked for
    it included (a withdrawal): refusing gives nobody anything."""
    who = _administrator(user)
    if not who or grant is None:
        return who
    return _pending(grant)


@action("role.remove", label=gettext_lazy("Remove a role"), model=User)
def role_remove(user, person=None):
    return _administrator(user)
