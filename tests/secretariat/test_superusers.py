"""Superusers are decided once (``secretariat.kernel.roles.role_names``): a superuser
holds the Administrator role and nothing more. So, without a workflow role of
their own, they do not bid, approve a disbursement, approve an award or score,
whichever way they ask (the page, the API, the service), and they do
administer (the admin site, reference data)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from procurement import services as procurement
from procurement.models import TYPED_CRITERIA
from secretariat.accounts.twofactor import role_requires
from secretariat.fund.services import disbursements as dsb
from secretariat.kernel import policy
from secretariat.kernel.models import CapabilityCategory
from secretariat.kernel.roles import Role, role_names
from tests.factories import UserFactory
from tests.procurement.conftest import bidders, evaluated, tender  # noqa: F401
from tests.procurement.helpers import SECRET_PRICE, to_tendering
from tests.secretariat.fund_fixtures import receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(db):
    """A superuser with no group at all."""
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture(params=["root", "admin"])
def superuser(request, people):
    """Both kinds: a bare superuser, and the people fixture's administrator
    (a superuser in the Administrator group)."""
    if request.param == "root":
        return request.getfixturevalue("root")
    return people.admin


def _refused(decision) -> str:
    assert not decision.allowed, decision
    assert decision.reason
    return decision.reason


def _no_link(html: str, url: str) -> None:
    assert f'href="{url}"' not in html and f'action="{url}"' not in html


def test_a_superuser_holds_the_administrator_role_and_nothing_more(root, people):
    assert role_names(root) == {Role.ADMINISTRATOR}
    assert role_names(people.admin) == {Role.ADMINISTRATOR}
    # A superuser who is also given a workflow role holds that one too.
    approver = UserFactory(
        is_superuser=True,
        roles=[Role.CO_LEAD_APPROVER],
        member_state=people.approver_lv.member_state,
    )
    assert role_names(approver) == {Role.ADMINISTRATOR, Role.CO_LEAD_APPROVER}


def test_a_superuser_needs_a_second_factor_as_an_administrator(root):
    assert role_requires(UserFactory(is_superuser=True, is_staff=False))
    assert role_requires(root)
    assert not role_requires(UserFactory())


def test_an_inactive_superuser_holds_no_role(db):
    assert role_names(UserFactory(is_superuser=True, is_active=False)) == frozenset()


# ------------------------------------------------------------------ bidding


@pytest.fixture
def lot(people, bidders, tender):  # noqa: F811
    return to_tendering(tender, people).lots.get()


def test_superuser_does_not_bid(superuser, lot, client_for, api_for):
    reason = _refused(policy.decide("bid.submit", superuser, lot))
    assert not superuser.has_perm("procurement.submit_bid", lot)
    with pytest.raises(PermissionDenied):
        procurement.bid_submit(
            lot=lot, actor=superuser, unit_price=Decimal(SECRET_PRICE),
            quantity=10, delivery_schedule="10 units by 2027-01-15",
            compliance={"night_camera": "yes"},
        )  # fmt: skip
    ref = lot.tender.case.reference
    page = client_for(superuser).get(reverse("procurement:tender", args=[ref]))
    assert page.status_code == 200
    _no_link(
        page.content.decode(),
        reverse("procurement:bid_submit", args=[ref, lot.number]),
    )
    answer = api_for(superuser).post(
        "/api/bids/",
        {"lot": lot.pk, "unit_price": "1300.00", "quantity": 10,
         "delivery_schedule": "10 units", "compliance": {"night_camera": "yes"}},
        format="json",
    )  # fmt: skip
    assert answer.status_code == 403, answer.content
    assert lot.bids.count() == 0
    assert reason


# --------------------------------------------------------------- evaluation


def test_superuser_does_not_score(superuser, evaluated, client_for, api_for):  # noqa: F811
    evaluated_tender, bids, _rep = evaluated
    seat = evaluated_tender.committee.get()
    _refused(policy.decide("scoresheet.score", superuser, seat))
    with pytest.raises(PermissionDenied):
        procurement.score_record(
            member=seat, actor=superuser, bid=bids["lv"], criterion=TYPED_CRITERIA[0],
            value=10,
        )  # fmt: skip
    page = client_for(superuser).get(reverse("procurement:evaluation", args=[seat.pk]))
    assert page.status_code == 404
    answer = api_for(superuser).post(
        f"/api/committee-members/{seat.pk}/scores/",
        {"bid": str(bids["lv"].public_id), "criterion": "technical", "value": 10},
        format="json",
    )
    assert answer.status_code in {403, 404}, answer.content


# ------------------------------------------------------------------- awards


@pytest.fixture
def recommended(people, latvia, evaluated):  # noqa: F811
    evaluated_tender, bids, _rep = evaluated
    receive(people, latvia, "1000000.00")
    return procurement.award_recommend(
        lot=evaluated_tender.lots.get(), bid=bids["lv"], actor=people.procurement,
        justification="Best score",
    )  # fmt: skip


def test_superuser_does_not_approve_an_award(
    superuser, people, recommended, client_for, api_for
):
    reason = _refused(policy.decide("award.approve", superuser, recommended))
    assert not superuser.has_perm("procurement.approve_award", recommended)
    with pytest.raises(PermissionDenied) as refused:
        procurement.award_approve(award=recommended, actor=superuser)
    assert str(refused.value) == reason
    ref = recommended.lot.tender.case.reference
    page = client_for(superuser).get(reverse("procurement:tender", args=[ref]))
    assert page.status_code == 200
    _no_link(
        page.content.decode(),
        reverse("procurement:award_approve", args=[recommended.pk]),
    )
    api = api_for(superuser)
    shown = api.get(f"/api/awards/{recommended.pk}/").json()
    assert shown.get("allowed_actions", {}).get("approve", {}).get("allowed") in {
        None,
        False,
    }
    answer = api.post(f"/api/awards/{recommended.pk}/approve/", {}, format="json")
    assert answer.status_code == 403, answer.content
    recommended.refresh_from_db()
    assert recommended.status == "recommended"
    # The co-lead approver who did not recommend it may.
    assert policy.may("award.approve", people.approver_lv, recommended)


# ------------------------------------------------------------ disbursements


@pytest.fixture
def checked(people, draft, checker):
    request = draft("130000.00")
    dsb.disbursement_submit(request=request, actor=people.finance)
    return dsb.disbursement_check(request=request, actor=checker)


def test_superuser_does_not_approve_a_disbursement(
    superuser, people, checked, client_for, api_for
):
    reason = _refused(policy.decide("disbursement.approve", superuser, checked))
    assert not superuser.has_perm("secretariat.approve_disbursement", checked)
    with pytest.raises(PermissionDenied) as refused:
        dsb.disbursement_approve(request=checked, actor=superuser)
    assert str(refused.value) == reason
    ref = checked.case.reference
    page = client_for(superuser).get(reverse("disbursement", args=[ref]))
    assert page.status_code == 200
    _no_link(page.content.decode(), reverse("disbursement_approve", args=[ref]))
    form = client_for(superuser).get(reverse("disbursement_approve", args=[ref]))
    assert form.status_code == 403
    api = api_for(superuser)
    shown = api.get(f"/api/disbursements/{ref}/").json()
    assert shown.get("allowed_actions", {}).get("approve", {}).get("allowed") in {
        None,
        False,
    }
    answer = api.post(f"/api/disbursements/{ref}/approve/", {}, format="json")
    assert answer.status_code == 403, answer.content
    assert checked.approvals.count() == 0
    assert policy.may("disbursement.approve", people.approver_lv, checked)


# ----------------------------------------------------------- administration


def test_superuser_administers(root, client_for):
    browser = client_for(root)
    assert browser.get(reverse("admin:index")).status_code == 200
    changelist = reverse("admin:secretariat_capabilitycategory_changelist")
    assert browser.get(changelist).status_code == 200
    added = browser.post(
        reverse("admin:secretariat_capabilitycategory_add"),
        {"name": "Counter-drone radars", "code": "counter-radar",
         "lethality": "non_lethal", "description": "", "position": 9},
    )  # fmt: skip
    assert added.status_code == 302, added.content.decode()[:2000]
    assert CapabilityCategory.objects.filter(code="counter-radar").exists()
    # Django's own permissions (no workflow action declares them) stay a
    # superuser's.
    assert root.has_perm("secretariat.change_capabilitycategory")
    assert root.has_perm("auth.change_group")
