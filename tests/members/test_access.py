"""Who may read and act on member records, object by object, through the web,
the API and attachment URLs. "Not yours" answers 404, like "does not exist"."""

from decimal import Decimal

import pytest
from django.urls import reverse

from members import services
from members.models import Contribution, MemberStatus, OnboardingCase, Pledge, StepKind
from tests.files import pdf

pytestmark = pytest.mark.django_db

STAFF = ["officer", "procurement", "finance", "approver_lv", "approver_uk", "admin"]
NO_MEMBER_ACCESS = ["evaluator", "manufacturer", "outsider"]
EVERYONE = [*STAFF, "liaison_lv", "liaison_jp", *NO_MEMBER_ACCESS]


@pytest.fixture
def latvia_records(people, latvia, japan):
    """Latvia with an open onboarding case and a document, a pledge and money
    received; Japan invited, with its own case."""
    officer = people.officer
    latvia.status = MemberStatus.PROSPECTIVE
    latvia.save()
    services.member_transition(
        member_state=latvia,
        to_status="invited",
        actor=officer,
        reason="r",
        evidence_file=pdf("latvia-invitation.pdf"),
    )
    services.member_transition(
        member_state=japan, to_status="invited", actor=officer, reason="r"
    )
    onboarding = OnboardingCase.objects.get(member_state=latvia)
    pledge = services.pledge_record(
        member_state=latvia,
        actor=officer,
        year=2026,
        amount=Decimal("20000000"),
        currency="EUR",
    )
    contribution = services.contribution_record(
        pledge=pledge,
        actor=people.finance,
        amount=Decimal("5000000"),
        currency="EUR",
        received_on=pledge.fx_date,
    )
    other_pledge = services.pledge_record(
        member_state=latvia,
        actor=officer,
        year=2027,
        amount=Decimal("1000"),
        currency="EUR",
    )
    return {
        "onboarding": onboarding,
        "reference": onboarding.case.reference,
        "step": onboarding.steps.get(kind=StepKind.ACKNOWLEDGEMENT),
        "document": onboarding.case.attachments.get(),
        "pledge": pledge,
        "open_pledge": other_pledge,
        "contribution": contribution,
    }


def expect(user, allowed, *, mine=(), refused=403, hidden=404):
    """Expected answer: ``allowed`` roles succeed; a liaison of the record's state
    (``mine``) too; Japan's liaison and roles without member access get 404."""
    if user in allowed or user in mine:
        return "ok"
    if user == "liaison_jp" or user in NO_MEMBER_ACCESS:
        return hidden
    return refused


WEB_READS = {
    "member page": (lambda r: reverse("members:detail", args=["LV"]), STAFF),
    "onboarding case": (
        lambda r: reverse("members:onboarding", args=[r["reference"]]), STAFF),
    "document": (lambda r: reverse("attachment", args=[r["document"].pk]), STAFF),
}  # fmt: skip

WEB_ACTION_PAGES = {
    "transition": (
        lambda r: reverse("members:transition", args=["LV", "considering"]),
        ["officer", "admin"], ()),
    "constraints": (
        lambda r: reverse("members:constraints", args=["LV"]),
        ["officer", "admin"], ()),
    "invite liaison": (
        lambda r: reverse("members:liaison_invite", args=["LV"]),
        ["officer", "admin"], ()),
    "record pledge": (
        lambda r: reverse("members:pledge_create", args=["LV"]),
        ["officer", "finance", "admin"], ("liaison_lv",)),
    "cancel pledge": (
        lambda r: reverse("members:pledge_cancel", args=[r["open_pledge"].pk]),
        ["officer", "finance", "admin"], ()),
    "record contribution": (
        lambda r: reverse("members:contribution_create", args=[r["pledge"].pk]),
        ["finance", "admin"], ()),
    "complete step": (
        lambda r: reverse(
            "members:step_complete", args=[r["reference"], r["step"].pk]),
        ["officer", "admin"], ()),
    "assign step": (
        lambda r: reverse("members:step_assign", args=[r["reference"], r["step"].pk]),
        ["officer", "admin"], ()),
    "upload document": (
        lambda r: reverse("members:document_upload", args=[r["reference"]]),
        ["officer", "admin"], ("liaison_lv",)),
}  # fmt: skip


@pytest.mark.parametrize("user", EVERYONE)
@pytest.mark.parametrize("page", WEB_READS)
def test_web_reads(client, people, latvia_records, page, user):
    url_of, allowed = WEB_READS[page]
    client.force_login(getattr(people, user))
    response = client.get(url_of(latvia_records))
    expected = expect(user, allowed, mine=("liaison_lv",), refused=404)
    if expected == "ok":
        assert response.status_code == 200
    else:
        assert response.status_code == expected
        # Nothing of Latvia's record; the site's footer names the co-leads.
        page_body = response.content.decode().split('<footer class="site-footer">')[0]
        assert "Latvia" not in page_body


@pytest.mark.parametrize("user", EVERYONE)
@pytest.mark.parametrize("page", WEB_ACTION_PAGES)
def test_web_action_pages(client, people, latvia_records, page, user):
    url_of, allowed, mine = WEB_ACTION_PAGES[page]
    client.force_login(getattr(people, user))
    response = client.get(url_of(latvia_records))
    expected = expect(user, allowed, mine=mine)
    assert response.status_code == (200 if expected == "ok" else expected)


@pytest.mark.parametrize("user", EVERYONE)
def test_member_list(client, people, latvia_records, user):
    client.force_login(getattr(people, user))
    response = client.get(reverse("members:list"))
    if user in STAFF:
        assert response.status_code == 200
        assert {m.name for m in response.context["page"]} >= {"Latvia", "Japan"}
    elif user.startswith("liaison"):
        assert response.status_code == 200
        own = "Latvia" if user == "liaison_lv" else "Japan"
        assert [m.name for m in response.context["page"]] == [own]
    else:
        assert response.status_code == 403


def test_anonymous_is_sent_to_sign_in(client, latvia_records):
    for url in [
        reverse("members:list"),
        reverse("members:detail", args=["LV"]),
        reverse("attachment", args=[latvia_records["document"].pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_japans_liaison_cannot_change_latvias_records_on_the_web(
    client, people, latvia_records
):
    client.force_login(people.liaison_jp)
    r = latvia_records
    posts = [
        (reverse("members:pledge_create", args=["LV"]),
         {"year": 2026, "amount": "1", "currency": "EUR", "earmark": "unrestricted"}),
        (reverse("members:pledge_cancel", args=[r["open_pledge"].pk]), {"reason": "x"}),
        (reverse("members:document_upload", args=[r["reference"]]), {"file": pdf()}),
        (reverse("case_comment", args=[r["reference"]]), {"body": "hello"}),
    ]  # fmt: skip
    for url, data in posts:
        assert client.post(url, data).status_code == 404
    assert Pledge.objects.filter(member_state__country="LV").count() == 2
    r["open_pledge"].refresh_from_db()
    assert r["open_pledge"].status == "pledged"
    assert r["onboarding"].case.attachments.count() == 1
    assert not r["onboarding"].case.comments.exists()


# ---------------------------------------------------------------- API

API_READS = {
    "member state": lambda r: "/api/member-states/LV/",
    "onboarding case": lambda r: f"/api/onboarding-cases/{r['reference']}/",
    "onboarding step": lambda r: f"/api/onboarding-steps/{r['step'].pk}/",
    "pledge": lambda r: f"/api/pledges/{r['pledge'].pk}/",
    "contribution": lambda r: f"/api/contributions/{r['contribution'].pk}/",
}


@pytest.mark.parametrize("user", EVERYONE)
@pytest.mark.parametrize("endpoint", API_READS)
def test_api_reads(api_for, people, latvia_records, endpoint, user):
    response = api_for(getattr(people, user)).get(API_READS[endpoint](latvia_records))
    if user in STAFF or user == "liaison_lv":
        assert response.status_code == 200
    elif user == "liaison_jp":
        assert response.status_code == 404
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("user", EVERYONE)
@pytest.mark.parametrize(
    "endpoint",
    ["/api/member-states/", "/api/onboarding-cases/", "/api/onboarding-steps/",
     "/api/pledges/", "/api/contributions/"],
)  # fmt: skip
def test_api_lists_are_scoped(api_for, people, latvia_records, endpoint, user):
    response = api_for(getattr(people, user)).get(endpoint)
    if user in NO_MEMBER_ACCESS:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    body = str(response.json())
    japan_case = OnboardingCase.objects.get(member_state__country="JP")
    if user == "liaison_jp":
        assert "LV" not in body and "Latvia" not in body
        assert latvia_records["reference"] not in body
    elif user == "liaison_lv":
        assert "JP" not in body and "Japan" not in body
        assert japan_case.case.reference not in body
        assert all(f"'id': {step.pk}," not in body for step in japan_case.steps.all())
    else:
        assert "LV" in body or latvia_records["reference"] in body


API_ACTIONS = {
    "transition": (
        lambda r: ("/api/member-states/LV/transition/",
                   {"to_status": "considering", "reason": "r"}),
        ["officer", "admin"], (), 200),
    "constraints": (
        lambda r: ("/api/member-states/LV/constraints/",
                   {"scope": "non_lethal", "reason": "r"}),
        ["officer", "admin"], (), 200),
    "complete step": (
        lambda r: (f"/api/onboarding-steps/{r['step'].pk}/complete/", {"note": "ok"}),
        ["officer", "admin"], (), 200),
    "cancel pledge": (
        lambda r: (f"/api/pledges/{r['open_pledge'].pk}/cancel/", {"reason": "r"}),
        ["officer", "finance", "admin"], (), 200),
    "comment": (
        lambda r: (f"/api/onboarding-cases/{r['reference']}/comments/",
                   {"body": "hello"}),
        STAFF, ("liaison_lv",), 201),
}  # fmt: skip


@pytest.mark.parametrize("user", EVERYONE)
@pytest.mark.parametrize("action", API_ACTIONS)
def test_api_actions(api_for, people, latvia_records, action, user):
    make, allowed, mine, success = API_ACTIONS[action]
    url, data = make(latvia_records)
    response = api_for(getattr(people, user)).post(url, data, format="json")
    expected = expect(user, allowed, mine=mine)
    if user in NO_MEMBER_ACCESS:
        expected = 403  # the list permission refuses them before any lookup
    assert response.status_code == (success if expected == "ok" else expected), (
        response.content
    )


@pytest.mark.parametrize("user", EVERYONE)
def test_api_pledge_creation(api_for, people, latvia_records, user):
    before = Pledge.objects.count()
    response = api_for(getattr(people, user)).post(
        "/api/pledges/",
        {"member_state": "LV", "year": 2026, "amount": "100.00", "currency": "EUR"},
        format="json",
    )
    if user in {"officer", "finance", "admin", "liaison_lv"}:
        assert response.status_code == 201
        assert Pledge.objects.count() == before + 1
        return
    if user == "liaison_jp":
        # Latvia is invisible to Japan's liaison: the reference does not resolve.
        assert response.status_code == 400
        assert "member_state" in response.json()
    else:
        assert response.status_code == 403
    assert Pledge.objects.count() == before


@pytest.mark.parametrize("user", EVERYONE)
def test_api_contribution_creation(api_for, people, latvia_records, user):
    before = Contribution.objects.count()
    response = api_for(getattr(people, user)).post(
        "/api/contributions/",
        {"pledge": latvia_records["pledge"].pk, "amount": "10.00", "currency": "EUR",
         "received_on": str(latvia_records["pledge"].fx_date)},
        format="json",
    )  # fmt: skip
    if user in {"finance", "admin"}:
        assert response.status_code == 201
        assert Contribution.objects.count() == before + 1
        return
    if user == "liaison_jp":
        assert response.status_code == 400
        assert "pledge" in response.json()
    else:
        assert response.status_code == 403
    assert Contribution.objects.count() == before


@pytest.mark.parametrize("user", EVERYONE)
def test_api_document_upload(api_for, people, latvia_records, user):
    reference = latvia_records["reference"]
    response = api_for(getattr(people, user)).post(
        f"/api/onboarding-cases/{reference}/documents/",
        {"file": pdf("note.pdf")},
        format="multipart",
    )
    expected = expect(user, ["officer", "admin"], mine=("liaison_lv",))
    if user in NO_MEMBER_ACCESS:
        expected = 403
    assert response.status_code == (201 if expected == "ok" else expected)
    uploaded = latvia_records["onboarding"].case.attachments.filter(
        original_name="note.pdf"
    )
    assert uploaded.exists() == (expected == "ok")
