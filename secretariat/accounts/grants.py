"""Giving and removing roles: two people for privilege.

``role_grant_request`` gives an ordinary role at once; a sensitive one
(``roles.SENSITIVE_ROLES``) waits as a pending ``RoleGrant`` until a second
administrator calls ``role_grant_confirm``. Removing a role
(``role_remove``) takes effect at once. Every request, grant, confirmation,
refusal and removal is an append-only security event. Superusers are made by
``manage.py createsuperuser`` only: no page sets ``is_superuser``.
"""

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from secretariat.accounts import signals
from secretariat.accounts.audit import record
from secretariat.accounts.models import (
    RoleGrant,
    RoleGrantStatus,
    SecurityEventKind,
    User,
)
from secretariat.kernel import policy
from secretariat.kernel.exceptions import ConflictError
from secretariat.kernel.roles import SENSITIVE_ROLES, Role
from secretariat.kernel.services import transition


def _detail(grant: RoleGrant) -> str:
    return (
        f"role {grant.role} for {grant.user.get_username()} "
        f"(asked by {grant.requested_by.get_username()})"
    )


def role_grant_request(*, user: User, role: str, actor: User, request=None):
    """Give ``user`` the ``role``: at once for an ordinary role, else as a
    pending grant that a second administrator confirms. Returns the pending
    ``RoleGrant``, or None when the role was given at once."""
    role = Role(role)
    grant = RoleGrant(user=user, role=role, requested_by=actor)
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)
        policy.require("role_grant.request", actor, grant)
        if role not in SENSITIVE_ROLES:
            user.groups.add(Group.objects.get(name=role))
            record(
                SecurityEventKind.ROLE_GRANTED,
                request=request,
                user=actor,
                detail=f"role {role} for {user.get_username()}",
            )
            return None
        try:
            with transaction.atomic():
                grant.save()
        except IntegrityError as exc:
            raise ConflictError(
                _("The role %(role)s for %(person)s already waits for confirmation.")
                % {"role": grant.get_role_display(), "person": user}
            ) from exc
        record(
            SecurityEventKind.ROLE_GRANT_REQUESTED,
            request=request,
            user=actor,
            detail=_detail(grant),
        )
        _ask_the_other_administrators(grant)
    return grant


def _ask_the_other_administrators(grant: RoleGrant) -> None:
    # The notifications room listens (secretariat.notifications.security).
    signals.role_grant_requested.send(sender=RoleGrant, grant=grant)


def role_grant_confirm(*, grant: RoleGrant, actor: User, request=None) -> RoleGrant:
    """A second administrator confirms: the person now holds the role."""
    with transaction.atomic():
        grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
        policy.require("role_grant.confirm", actor, grant)
        grant.decided_by, grant.decided_at = actor, timezone.now()
        transition(
            grant,
            to=RoleGrantStatus.CONFIRMED,
            actor=actor,
            also=("decided_by", "decided_at"),
        )
        grant.user.groups.add(Group.objects.get(name=grant.role))
        record(
            SecurityEventKind.ROLE_GRANT_CONFIRMED,
            request=request,
            user=actor,
            detail=_detail(grant),
        )
    return grant


def role_grant_refuse(*, grant: RoleGrant, actor: User, request=None) -> RoleGrant:
    """The grant is turned down (or withdrawn by whoever asked): nothing given."""
    with transaction.atomic():
        grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
        policy.require("role_grant.refuse", actor, grant)
        grant.decided_by, grant.decided_at = actor, timezone.now()
        transition(
            grant,
            to=RoleGrantStatus.REFUSED,
            actor=actor,
            also=("decided_by", "decided_at"),
        )
        record(
            SecurityEventKind.ROLE_GRANT_REFUSED,
            request=request,
            user=actor,
            detail=_detail(grant),
        )
    return grant


def role_remove(*, user: User, role: str, actor: User, request=None) -> None:
    """Take a role away, at once (fewer rights never wait for anyone)."""
    with transaction.atomic():
        policy.require("role.remove", actor, user)
        user.groups.remove(Group.objects.get(name=role))
        user._role_names = None
        record(
            SecurityEventKind.ROLE_REMOVED,
            request=request,
            user=actor,
            detail=f"role {role} for {user.get_username()}",
        )
