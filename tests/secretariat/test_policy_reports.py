"""Reports: asking for one (by kind) and reading one are each decided by one
policy, and the form's choices, the service, the download and the API agree;
commenting on a case is the case policy's."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from members.models import OnboardingCase
from secretariat.kernel import policy
from secretariat.kernel.services import case_comment_add
from secretariat.reports import services
from secretariat.reports.forms import kinds_for
from secretariat.reports.models import ReportKind
from tests.conftest import refresh
from tests.secretariat.report_fixtures import build

pytestmark = pytest.mark.django_db

STAFF = {"officer", "procurement", "finance", "approver_lv", "approver_uk", "admin"}
EVERYONE = [
    *sorted(STAFF), "evaluator", "liaison_jp", "liaison_lv", "manufacturer", "outsider",
]  # fmt: skip
LIAISON_KINDS = {"fund_statement", "onboarding"}


@pytest.mark.parametrize("who", EVERYONE)
def test_report_request_by_kind(people, who):
    user = getattr(people, who)
    for kind in ReportKind.values:
        decision = policy.decide("report.request", user, kind)
        if who in STAFF:
            expected = True
        elif who.startswith("liaison"):
            expected = kind in LIAISON_KINDS
        else:
            expected = False
        assert decision.allowed == expected, (who, kind)
        assert user.has_perm("secretariat.request_report", kind) == expected
        try:
            services.report_subscribe(actor=user, kind=kind, format="csv")
            done = True
        except PermissionDenied as exc:
            assert str(exc) == decision.reason
            done = False
        assert done == expected, (who, kind)
    offered = {value for value, _label in kinds_for(user)}
    assert offered == {
        k for k in ReportKind.values if policy.may("report.request", user, k)
    }
    assert user.has_perm("secretariat.view_reports") == bool(offered)


def test_a_report_is_read_only_by_its_reader(people, api_for, client_for):
    report = build(people.liaison_lv, "fund_statement", "csv")
    for who in EVERYONE:
        user = getattr(people, who)
        decision = policy.decide("report.read", user, report)
        assert decision.allowed == (who == "liaison_lv"), who
        assert decision.allowed or decision.hidden
    body = api_for(people.liaison_lv).get(f"/api/reports/{report.pk}/").json()
    assert body["allowed_actions"]["read"] == {"allowed": True, "reason": ""}
    download = reverse("report_download", args=[report.pk])
    assert client_for(people.liaison_lv).get(download).status_code == 200
    assert client_for(people.liaison_jp).get(download).status_code == 404


def test_a_reader_who_moved_state_is_told_why(people, japan):
    report = build(people.liaison_lv, "fund_statement", "csv")
    liaison = people.liaison_lv
    liaison.member_state = japan
    liaison.save()
    decision = policy.decide("report.read", liaison, report)
    assert not decision.allowed
    assert decision.reason == (
        "Your access has changed since you asked; ask for the report again."
    )
    assert services._access_refusal(refresh(report)) == decision.reason


def test_a_case_comment_is_for_those_who_see_the_case(people, japan):
    from members import services as member_services
    from tests.files import pdf

    member_services.member_transition(
        member_state=japan, to_status="invited", actor=people.officer,
        reason="Invited", evidence_file=pdf("japan-invitation.pdf"),
    )  # fmt: skip
    case = OnboardingCase.objects.get(member_state=japan).case
    assert policy.may("case.comment", people.liaison_jp, case)
    assert policy.may("case.comment", people.officer, case)
    refused = policy.decide("case.comment", people.liaison_lv, case)
    assert (refused.allowed, refused.hidden) == (False, True)
    with pytest.raises(PermissionDenied, match=refused.reason):
        case_comment_add(case=case, actor=people.liaison_lv, body="Hello")
    comment = case_comment_add(case=case, actor=people.liaison_jp, body="Hello")
    assert comment.body == "Hello"
