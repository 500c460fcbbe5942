"""Two people for privilege (issue 19, item 3): a sensitive role given by one
administrator takes effect only when a second confirms it; nobody confirms
their own grant; every request, confirmation, refusal and removal is in the
security log; no page makes a superuser."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.forms import MultiWidget
from django.urls import reverse

from secretariat.accounts import grants
from secretariat.accounts.invitations import account_invite
from secretariat.accounts.models import (
    RoleGrant,
    RoleGrantStatus,
    SecurityEvent,
    SecurityEventKind,
    User,
)
from secretariat.kernel.exceptions import ConflictError
from secretariat.kernel.roles import Role, has_role
from secretariat.notifications.models import Notification, NotificationKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
RED_FLAGS = reverse("procurement:red_flags")
GRANTS = reverse("admin:secretariat_rolegrant_changelist")


@pytest.fixture
def admin2(db):
    return UserFactory(
        username="admin2", roles=[Role.ADMINISTRATOR], is_staff=True, is_superuser=True
    )


@pytest.fixture
def candidate(latvia):
    return UserFactory(username="candidate", member_state=latvia)


def fresh(user):
    return User.objects.get(pk=user.pk)


def change_url(user):
    return reverse("admin:secretariat_user_change", args=[user.pk])


def change_form_data(client, user, **changes):
    """The user's change form as the admin page fills it, with ``changes``."""
    form = client.get(change_url(user)).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field.widget, MultiWidget):
            for index, part in enumerate(field.widget.decompress(value)):
                data[f"{name}_{index}"] = "" if part is None else part
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    data.update(changes)
    return {k: v for k, v in data.items() if v is not False}


def give_in_admin(client, user, *roles):
    groups = [Group.objects.get(name=r).pk for r in roles]
    data = change_form_data(client, user, groups=groups)
    return client.post(change_url(user), data, follow=True)


def confirm_in_admin(client, grant, action="confirm"):
    return client.post(
        GRANTS, {"action": action, "_selected_action": [grant.pk]}, follow=True
    )


def log(kind):
    return SecurityEvent.objects.filter(kind=kind)


def test_a_co_lead_grant_waits_for_a_second_administrator(
    people, admin2, candidate, client_for
):
    client = client_for(people.admin)
    response = give_in_admin(client, candidate, Role.CO_LEAD_APPROVER)
    assert response.status_code == 200
    assert "takes effect when a second administrator confirms it" in (
        response.content.decode()
    )
    assert not has_role(fresh(candidate), Role.CO_LEAD_APPROVER)
    assert client_for(candidate).get(RED_FLAGS).status_code in (403, 404)
    grant = RoleGrant.objects.get(user=candidate)
    assert (grant.role, grant.status, grant.requested_by) == (
        Role.CO_LEAD_APPROVER, RoleGrantStatus.PENDING, people.admin,
    )  # fmt: skip
    requested = log(SecurityEventKind.ROLE_GRANT_REQUESTED).get()
    assert requested.user == people.admin
    assert "co_lead_approver for candidate" in requested.detail
    # The other administrator is asked; the one who asked is not.
    asked = Notification.objects.filter(kind=NotificationKind.ROLE_GRANT_TO_CONFIRM)
    assert {n.recipient for n in asked} == {admin2}

    # The one who asked cannot confirm it.
    response = confirm_in_admin(client_for(people.admin), grant)
    assert "a second administrator must confirm it" in response.content.decode()
    assert not has_role(fresh(candidate), Role.CO_LEAD_APPROVER)
    assert not log(SecurityEventKind.ROLE_GRANT_CONFIRMED).exists()

    response = confirm_in_admin(client_for(admin2), grant)
    assert "1 role grant confirmed." in response.content.decode()
    assert has_role(fresh(candidate), Role.CO_LEAD_APPROVER)
    assert client_for(candidate).get(RED_FLAGS).status_code == 200
    grant.refresh_from_db()
    assert (grant.status, grant.decided_by) == (RoleGrantStatus.CONFIRMED, admin2)
    confirmed = log(SecurityEventKind.ROLE_GRANT_CONFIRMED).get()
    assert confirmed.user == admin2

    # Both are in the security log's admin pages.
    page = client_for(admin2).get(reverse("admin:secretariat_securityevent_changelist"))
    text = page.content.decode()
    assert "Role grant requested" in text and "Role grant confirmed" in text


def test_nobody_confirms_a_role_given_to_themselves(people, admin2):
    grant = grants.role_grant_request(
        user=admin2, role=Role.FINANCE_OFFICER, actor=people.admin
    )
    with pytest.raises(PermissionDenied, match="Nobody confirms a role given to"):
        grants.role_grant_confirm(grant=grant, actor=admin2)
    # Nor one they asked for themselves.
    own = grants.role_grant_request(user=admin2, role=Role.EVALUATOR, actor=admin2)
    with pytest.raises(PermissionDenied, match="You asked for this role"):
        grants.role_grant_confirm(grant=own, actor=admin2)
    assert not has_role(fresh(admin2), Role.FINANCE_OFFICER, Role.EVALUATOR)
    grants.role_grant_confirm(grant=own, actor=people.admin)
    assert has_role(fresh(admin2), Role.EVALUATOR)


@pytest.mark.parametrize(
    "who", ["officer", "finance", "approver_lv", "procurement", "outsider"]
)
def test_only_administrators_ask_or_confirm(people, admin2, candidate, who):
    person = getattr(people, who)
    with pytest.raises(PermissionDenied, match="Only an administrator"):
        grants.role_grant_request(
            user=candidate, role=Role.FINANCE_OFFICER, actor=person
        )
    grant = grants.role_grant_request(
        user=candidate, role=Role.FINANCE_OFFICER, actor=people.admin
    )
    with pytest.raises(PermissionDenied, match="Only an administrator"):
        grants.role_grant_confirm(grant=grant, actor=person)
    assert not has_role(fresh(candidate), Role.FINANCE_OFFICER)


def test_a_refused_grant_gives_nothing_and_is_logged(
    people, admin2, candidate, client_for
):
    grant = grants.role_grant_request(
        user=candidate, role=Role.ADMINISTRATOR, actor=people.admin
    )
    response = confirm_in_admin(client_for(admin2), grant, action="refuse")
    assert "1 role grant refused." in response.content.decode()
    grant.refresh_from_db()
    assert grant.status == RoleGrantStatus.REFUSED
    assert not has_role(fresh(candidate), Role.ADMINISTRATOR)
    assert log(SecurityEventKind.ROLE_GRANT_REFUSED).get().user == admin2
    with pytest.raises(ConflictError):
        grants.role_grant_confirm(grant=grant, actor=admin2)


def test_the_same_role_waits_once(people, candidate):
    grants.role_grant_request(
        user=candidate, role=Role.PROCUREMENT_OFFICER, actor=people.admin
    )
    with pytest.raises(ConflictError, match="already waits for confirmation"):
        grants.role_grant_request(
            user=candidate, role=Role.PROCUREMENT_OFFICER, actor=people.admin
        )


def test_an_ordinary_role_is_given_at_once_and_removal_is_immediate(
    people, candidate, client_for
):
    client = client_for(people.admin)
    give_in_admin(client, candidate, Role.MEMBER_LIAISON)
    assert has_role(fresh(candidate), Role.MEMBER_LIAISON)
    assert not RoleGrant.objects.exists()
    assert log(SecurityEventKind.ROLE_GRANTED).get().user == people.admin
    # Removing a sensitive role takes effect at once, logged.
    response = give_in_admin(client, people.finance)
    assert response.status_code == 200
    assert not has_role(fresh(people.finance), Role.FINANCE_OFFICER)
    removed = log(SecurityEventKind.ROLE_REMOVED).get()
    assert "finance_officer for finance" in removed.detail


def test_no_page_makes_a_superuser(people, candidate, client_for):
    client = client_for(people.admin)
    page = client.get(change_url(candidate))
    assert "is_superuser" not in page.context["adminform"].form.fields
    assert "user_permissions" not in page.context["adminform"].form.fields
    data = change_form_data(client, candidate, is_superuser="on")
    response = client.post(change_url(candidate), data, follow=True)
    assert response.status_code == 200
    assert not fresh(candidate).is_superuser


def test_the_grants_page_says_who_may_confirm(people, admin2, candidate, client_for):
    grants.role_grant_request(
        user=candidate, role=Role.CO_LEAD_APPROVER, actor=people.admin
    )
    mine = client_for(people.admin).get(GRANTS).content.decode()
    assert "a second administrator must confirm it" in mine
    theirs = client_for(admin2).get(GRANTS).content.decode()
    assert "May confirm" in theirs
    assert client_for(people.officer).get(GRANTS).status_code == 302
    # "My work" asks the same policy: waiting for the second administrator only.
    work = client_for(admin2).get(reverse("my_work")).content.decode()
    assert "Confirm a role grant" in work and str(candidate) in work
    work = client_for(people.admin).get(reverse("my_work")).content.decode()
    assert "Confirm a role grant" not in work


def test_an_invitation_never_gives_a_sensitive_role(db):
    with pytest.raises(ValueError, match="never gives the role"):
        account_invite(
            email="x@example.org",
            first_name="X",
            last_name="Y",
            role=Role.FINANCE_OFFICER,
        )


def test_roles_are_not_edited_through_the_groups_admin(people, client_for):
    group = Group.objects.get(name=Role.FINANCE_OFFICER)
    url = reverse("admin:auth_group_change", args=[group.pk])
    response = client_for(people.admin).post(url, {"name": "renamed"})
    assert response.status_code == 403
    assert Group.objects.filter(name=Role.FINANCE_OFFICER).exists()
