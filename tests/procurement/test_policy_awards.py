"""One rule per action for awards, complaints, contracts and deliveries: the
policy's answer, the service's outcome, the page's button and the API's
``allowed_actions`` agree, for each kind of person, on their own and on other
companies' objects."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from procurement import services
from procurement.models import Award, AwardStatus, Complaint, Contract, Delivery
from secretariat.kernel import policy
from secretariat.kernel.exceptions import ConflictError
from secretariat.kernel.roles import Role
from tests.conftest import refresh
from tests.factories import MemberStateFactory, UserFactory
from tests.procurement.api_helpers import post, refused

pytestmark = pytest.mark.django_db

NOT_A_CO_LEAD = "Only co-lead approvers of Latvia or the United Kingdom approve awards."
RECOMMENDER = "You recommended this award; another person must approve it."


@pytest.fixture
def poland_approver(db):
    poland = MemberStateFactory(country="PL", name="Poland", is_co_lead=False)
    return UserFactory(
        username="approver-pl", roles=[Role.CO_LEAD_APPROVER], member_state=poland
    )


@pytest.fixture
def recommended(people, evaluated):
    tender, bids, _rep_gb = evaluated
    return services.award_recommend(
        lot=tender.lots.get(), bid=bids["lv"], actor=people.procurement,
        justification="Highest weighted score",
    )  # fmt: skip


def tender_page(client_for, user, award):
    reference = award.lot.tender.case.reference
    response = client_for(user).get(reverse("procurement:tender", args=[reference]))
    assert response.status_code == 200
    return response.content.decode()


def button(page, label):
    """``"enabled"``, the reason it is disabled, or ``None`` when not shown."""
    if f">{label}</a>" in page:
        return "enabled"
    marker = f'disabled aria-describedby="why-{label.lower().replace(" ", "-")}">'
    if marker not in page:
        return None
    after = page.split(marker, 1)[1]
    return after.split('class="why"', 1)[1].split(">", 1)[1].split("</small>", 1)[0]


def api_actions(api_for, user, path):
    response = api_for(user).get(path)
    assert response.status_code == 200, response.content
    return response.json()["allowed_actions"]


# ---------------------------------------------------------------- approve


@pytest.mark.parametrize("who", ["poland_approver", "admin", "procurement"])
def test_who_is_refused_award_approval_and_why_agrees_everywhere(
    request, people, recommended, client_for, api_for, who
):
    """An approver of a state that is not a co-lead, the superuser and the
    procurement officer who recommended the award are refused, with the same
    reason from the service. The approver is shown the button disabled with
    the reason on the tender page and in the API; the others, who hold no
    approver role at all, are not offered it."""
    user = (
        request.getfixturevalue(who)
        if who == "poland_approver"
        else getattr(people, who)
    )
    decision = policy.decide("award.approve", user, recommended)
    assert not decision.allowed and decision.reason == NOT_A_CO_LEAD
    page = button(tender_page(client_for, user, recommended), "Approve the award")
    actions = api_actions(api_for, user, f"/api/awards/{recommended.pk}/")
    if who == "poland_approver":
        assert not decision.hidden
        assert page == NOT_A_CO_LEAD
        assert actions["approve"] == {"allowed": False, "reason": NOT_A_CO_LEAD}
    else:
        assert decision.hidden
        assert page is None
        assert "approve" not in actions
    refused(post(api_for(user), f"/api/awards/{recommended.pk}/approve/", {}), 403)
    response = client_for(user).get(
        reverse("procurement:award_approve", args=[recommended.pk])
    )
    assert response.status_code == 403
    with pytest.raises(PermissionDenied, match=NOT_A_CO_LEAD):
        services.award_approve(award=recommended, actor=user)
    assert refresh(recommended).status == AwardStatus.RECOMMENDED


def test_the_recommender_is_refused_approval_with_the_reason(
    people, latvia, evaluated, client_for, api_for
):
    tender, bids, _rep = evaluated
    both = UserFactory(
        username="both", roles=[Role.PROCUREMENT_OFFICER, Role.CO_LEAD_APPROVER],
        member_state=latvia,
    )  # fmt: skip
    award = services.award_recommend(
        lot=tender.lots.get(), bid=bids["lv"], actor=both, justification="Best"
    )
    assert policy.decide("award.approve", both, award).reason == RECOMMENDER
    assert button(tender_page(client_for, both, award), "Approve the award") == (
        RECOMMENDER
    )
    assert api_actions(api_for, both, f"/api/awards/{award.pk}/")["approve"] == {
        "allowed": False,
        "reason": RECOMMENDER,
    }
    refused(
        post(api_for(both), f"/api/awards/{award.pk}/approve/", {}), 403, RECOMMENDER
    )
    # Offered-then-refused before: the form was shown, and refused once sent.
    page = client_for(both).get(reverse("procurement:award_approve", args=[award.pk]))
    assert page.status_code == 403
    with pytest.raises(PermissionDenied, match="another person must approve"):
        services.award_approve(award=award, actor=both)


def test_a_co_lead_approver_approves_and_everything_says_so(
    people, recommended, client_for, api_for
):
    user = people.approver_uk
    assert policy.may("award.approve", user, recommended)
    assert button(tender_page(client_for, user, recommended), "Approve the award") == (
        "enabled"
    )
    assert api_actions(api_for, user, f"/api/awards/{recommended.pk}/")["approve"] == {
        "allowed": True,
        "reason": "",
    }
    services.award_approve(award=recommended, actor=user)
    approved = refresh(recommended)
    # Now it is the award's state that refuses, for everyone.
    decision = policy.decide("award.approve", people.approver_lv, approved)
    assert decision.kind == policy.STATE
    assert decision.reason == "This award is not awaiting approval."
    response = client_for(people.approver_lv).get(
        reverse("procurement:award_approve", args=[approved.pk])
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "This award is not awaiting approval." in html
    assert '<form method="post"' not in html.split("<main", 1)[-1]


def test_people_with_no_part_in_awards_never_see_the_approval(
    people, bidders, recommended, client_for, api_for
):
    services.award_approve(award=recommended, actor=people.approver_uk)
    (_maker, rep_lv), _ = bidders
    for user in (rep_lv, people.liaison_lv):
        decision = policy.decide("award.approve", user, refresh(recommended))
        assert decision.hidden
        assert "approve" not in api_actions(
            api_for, user, f"/api/awards/{recommended.pk}/"
        )


def test_the_approval_queue_agrees_with_the_check(
    people, poland_approver, latvia, evaluated, recommended
):
    both = UserFactory(
        username="both", roles=[Role.PROCUREMENT_OFFICER, Role.CO_LEAD_APPROVER],
        member_state=latvia,
    )  # fmt: skip
    everyone = [*people.all().values(), poland_approver, both]
    awards = Award.objects.all()
    for user in everyone:
        for award in awards:
            assert (award in policy.pending("award.approve", user, awards)) == (
                policy.may("award.approve", user, award)
            ), user


def test_my_work_never_offers_an_approval_the_service_refuses(
    poland_approver, recommended
):
    """The queue and the service used to disagree on who counts as a co-lead
    approver: any approver with a member state was offered the award."""
    from secretariat.reports.selectors import work_items_for

    assert not work_items_for(poland_approver)
    assert not policy.pending("award.approve", poland_approver, Award.objects.all())


# ---------------------------------------------------------------- complaints


@pytest.fixture
def approved(people, recommended):
    services.award_approve(award=recommended, actor=people.approver_uk)
    return refresh(recommended)


def test_only_a_losing_bidder_may_complain_and_only_in_the_standstill(
    people, bidders, evaluated, approved, client_for, api_for
):
    _tender, _bids, rep_gb = evaluated
    (_maker, rep_lv), _ = bidders
    # The losing bidder: offered, allowed, and filed.
    assert button(tender_page(client_for, rep_gb, approved), "File a complaint") == (
        "enabled"
    )
    assert api_actions(api_for, rep_gb, f"/api/awards/{approved.pk}/")["file"] == {
        "allowed": True,
        "reason": "",
    }
    # The winner: never offered, refused by the page and the service alike
    # (the page used to show the form and refuse it once sent).
    assert policy.decide("complaint.file", rep_lv, approved).hidden
    assert button(tender_page(client_for, rep_lv, approved), "File a complaint") is None
    assert "file" not in api_actions(api_for, rep_lv, f"/api/awards/{approved.pk}/")
    page = client_for(rep_lv).get(
        reverse("procurement:complaint_file", args=[approved.pk])
    )
    assert page.status_code == 403
    with pytest.raises(PermissionDenied, match="losing bidder"):
        services.complaint_file(award=approved, actor=rep_lv, text="We won")
    # Staff never complain.
    assert policy.decide("complaint.file", people.admin, approved).hidden
    # After the standstill: the state refuses, with the reason.
    Award.objects.filter(pk=approved.pk).update(
        standstill_until=timezone.now() - dt.timedelta(minutes=1)
    )
    later = refresh(approved)
    decision = policy.decide("complaint.file", rep_gb, later)
    assert decision.kind == policy.STATE and "standstill" in decision.reason
    assert button(tender_page(client_for, rep_gb, later), "File a complaint") == (
        decision.reason
    )
    with pytest.raises(ConflictError, match="standstill"):
        services.complaint_file(award=later, actor=rep_gb, text="Late")
    awards = Award.objects.all()
    for user in (rep_gb, rep_lv, people.procurement):
        for award in awards:
            assert (award in policy.pending("complaint.file", user, awards)) == (
                policy.may("complaint.file", user, award)
            )


def test_a_complaint_is_decided_by_a_procurement_officer_once(
    people, evaluated, approved, client_for, api_for
):
    _tender, _bids, rep_gb = evaluated
    complaint = services.complaint_file(award=approved, actor=rep_gb, text="Unfair")
    path = f"/api/complaints/{complaint.pk}/"
    assert api_actions(api_for, people.procurement, path)["decide"]["allowed"]
    reason = "Only a procurement officer decides complaints."
    # Whoever holds no procurement officer's role is not offered the decision.
    assert policy.decide("complaint.decide", people.finance, complaint).hidden
    assert "decide" not in api_actions(api_for, people.finance, path)
    assert button(tender_page(client_for, people.finance, approved), "Decide") is None
    assert "decide" not in api_actions(api_for, rep_gb, path)
    with pytest.raises(PermissionDenied, match=reason):
        services.complaint_decide(
            complaint=complaint, actor=people.finance, uphold=False, decision="No"
        )
    services.complaint_decide(
        complaint=complaint, actor=people.procurement, uphold=False,
        decision="The scores follow the published method.",
    )  # fmt: skip
    decided = refresh(complaint)
    # A complaint is decided once: the decision is no longer offered.
    decision = policy.decide("complaint.decide", people.procurement, decided)
    assert decision.reason == "This complaint has been decided." and decision.hidden
    assert "decide" not in api_actions(api_for, people.procurement, path)
    with pytest.raises(ConflictError, match="has been decided"):
        services.complaint_decide(
            complaint=decided, actor=people.procurement, uphold=True, decision="x"
        )
    complaints = Complaint.objects.all()
    for user in (people.procurement, people.admin, people.finance, rep_gb):
        assert list(policy.pending("complaint.decide", user, complaints)) == [
            c for c in complaints if policy.may("complaint.decide", user, c)
        ]


# ---------------------------------------------------------------- contracts


def test_the_contract_waits_for_the_standstill_on_every_surface(
    people, approved, client_for, api_for
):
    decision = policy.decide("contract.sign", people.procurement, approved)
    assert decision.kind == policy.STATE
    assert decision.reason.startswith("The standstill period runs until")
    assert (
        button(
            tender_page(client_for, people.procurement, approved), "Sign the contract"
        )
        == decision.reason
    )
    assert api_actions(api_for, people.procurement, f"/api/awards/{approved.pk}/")[
        "sign"
    ] == {"allowed": False, "reason": decision.reason}
    # The form is not offered while the policy refuses.
    page = client_for(people.procurement).get(
        reverse("procurement:contract_sign", args=[approved.pk])
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert decision.reason in html and 'name="milestones"' not in html
    # An approver never signs, and is told so.
    assert policy.decide("contract.sign", people.approver_lv, approved).reason == (
        "Only a procurement officer signs contracts."
    )
    assert policy.decide("contract.sign", people.admin, approved).kind == policy.STATE


# ---------------------------------------------------------------- deliveries


def test_only_the_contractors_representative_reports_deliveries(
    people, bidders, contract, client_for, api_for
):
    signed, rep_lv = contract
    _, (_gb, rep_gb) = bidders
    path = f"/api/contracts/{signed.pk}/"
    report_url = reverse("procurement:delivery_report", args=[signed.pk])
    assert policy.may("delivery.report", rep_lv, signed)
    assert api_actions(api_for, rep_lv, path)["report"] == {
        "allowed": True,
        "reason": "",
    }
    contract_page = client_for(rep_lv).get(
        reverse("procurement:contract", args=[signed.pk])
    )
    assert f'href="{report_url}"' in contract_page.content.decode()
    # Another company's representative: the contract is not theirs to know of.
    decision = policy.decide("delivery.report", rep_gb, signed)
    assert not decision.allowed and decision.hidden
    assert client_for(rep_gb).get(report_url).status_code == 404
    with pytest.raises(PermissionDenied, match="contractor's representatives"):
        services.delivery_report(
            contract=signed, milestone=signed.milestones.first(), actor=rep_gb,
            quantity=1,
        )  # fmt: skip
    # Staff and the superuser never report for the company.
    for user in (people.procurement, people.admin):
        assert "report" not in api_actions(api_for, user, path)
        assert client_for(user).get(report_url).status_code == 403
        page = client_for(user).get(reverse("procurement:contract", args=[signed.pk]))
        assert f'href="{report_url}"' not in page.content.decode()
    contracts = Contract.objects.all()
    for user in (rep_lv, rep_gb, people.procurement):
        assert list(policy.pending("delivery.report", user, contracts)) == [
            c for c in contracts if policy.may("delivery.report", user, c)
        ]


def test_a_delivery_is_decided_once_by_a_procurement_officer(
    people, contract, client_for, api_for
):
    signed, rep_lv = contract
    delivery = services.delivery_report(
        contract=signed, milestone=signed.milestones.first(), actor=rep_lv,
        quantity=10,
    )  # fmt: skip
    path = f"/api/deliveries/{delivery.pk}/"
    assert api_actions(api_for, people.procurement, path)["decide"]["allowed"]
    reason = "Only a procurement officer records a delivery's acceptance tests."
    # Whoever holds no procurement officer's role is not offered the tests.
    assert policy.decide("delivery.decide", people.finance, delivery).reason == reason
    assert "decide" not in api_actions(api_for, people.finance, path)
    assert "decide" not in api_actions(api_for, rep_lv, path)
    assert (
        client_for(rep_lv)
        .get(reverse("procurement:delivery_decide", args=[delivery.pk]))
        .status_code
        == 403
    )
    services.delivery_decide(
        delivery=delivery, actor=people.procurement, quantity_accepted=0,
        test_site="Sēlia", tested_on=timezone.localdate(),
    )  # fmt: skip
    decided = refresh(delivery)
    # A delivery is tested once: the decision is no longer offered.
    decision = policy.decide("delivery.decide", people.procurement, decided)
    assert decision.reason == "This delivery has already been decided."
    assert decision.hidden
    assert "decide" not in api_actions(api_for, people.procurement, path)
    page = client_for(people.procurement).get(
        reverse("procurement:delivery_decide", args=[decided.pk])
    )
    assert page.status_code == 200
    assert 'name="test_site"' not in page.content.decode()
    deliveries = Delivery.objects.all()
    for user in (people.procurement, people.finance, rep_lv):
        assert list(policy.pending("delivery.decide", user, deliveries)) == [
            d for d in deliveries if policy.may("delivery.decide", user, d)
        ]
