"""The Django admin: every model listed, the timeline read-only, and transition
actions that go through the same services as the web forms."""

import pytest
from django.contrib import admin
from django.urls import reverse

from members import services
from members.models import MemberStatus, OnboardingCase
from secretariat.kernel.models import TimelineEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client, people, japan):
    services.member_transition(
        member_state=japan, to_status="invited", actor=people.officer, reason="r"
    )
    client.force_login(people.admin)
    return client


def test_every_model_has_an_admin_page(admin_client_):
    for model in admin.site._registry:
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert admin_client_.get(url).status_code == 200, url


def test_timeline_is_read_only(admin_client_):
    event = TimelineEvent.objects.first()
    change_url = reverse("admin:secretariat_timelineevent_change", args=[event.pk])
    page = admin_client_.get(change_url)
    assert page.status_code == 200
    assert b'name="description"' not in page.content
    delete_url = reverse("admin:secretariat_timelineevent_delete", args=[event.pk])
    assert admin_client_.post(delete_url, {"post": "yes"}).status_code == 403
    assert TimelineEvent.objects.filter(pk=event.pk).exists()


def test_admin_transition_action_calls_the_service(admin_client_, japan):
    url = reverse("admin:members_memberstate_changelist")
    response = admin_client_.post(
        url,
        {"action": "apply_transition", "_selected_action": [japan.pk],
         "to_status": "considering", "reason": "Acknowledged by MoD"},
        follow=True,
    )  # fmt: skip
    assert response.status_code == 200
    japan.refresh_from_db()
    assert japan.status == MemberStatus.CONSIDERING
    event = TimelineEvent.objects.get(to_status="considering")
    assert event.reason == "Acknowledged by MoD"
    assert OnboardingCase.objects.get().case.status == "considering"


def test_admin_transition_action_reports_refusals(admin_client_, japan):
    response = admin_client_.post(
        reverse("admin:members_memberstate_changelist"),
        {"action": "apply_transition", "_selected_action": [japan.pk],
         "to_status": "member", "reason": "skip"},
        follow=True,
    )  # fmt: skip
    assert "cannot move from “Invited” to “Member”" in response.content.decode()
    japan.refresh_from_db()
    assert japan.status == MemberStatus.INVITED


def test_admin_cannot_edit_status_directly(admin_client_, japan):
    url = reverse("admin:members_memberstate_change", args=[japan.pk])
    admin_client_.post(
        url, {"name": "Japan", "country": "JP", "status": "member", "is_co_lead": ""}
    )
    japan.refresh_from_db()
    assert japan.status == MemberStatus.INVITED


def test_non_administrators_cannot_open_the_admin(client, people):
    client.force_login(people.officer)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
