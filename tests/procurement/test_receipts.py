"""Ukraine's end users confirm receipt of each accepted batch: who may, for
which batch and unit, what a wrong count or date gets, and the pages."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from members.models import MemberState
from procurement.models import Discrepancy, MilitaryUnit, Receipt
from secretariat.kernel import policy
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.models import Attachment, TimelineEvent
from secretariat.kernel.roles import Role
from secretariat.reports.selectors import work_items_for
from tests.factories import UserFactory
from tests.files import pdf
from tests.procurement.receiving import (
    TOMORROW,
    accepted_batch,
    confirm_url,
    receipt_form,
    receive,
    reported_batch,
)
from tests.procurement.web import errors_of, html_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(people, contract):
    contract, rep = contract
    return accepted_batch(people, contract, rep, quantity=150)


def test_an_end_user_confirms_receipt_of_an_accepted_batch(front, batch):
    receipt = receive(front, batch, note="Handed over at night")
    assert receipt.unit == front.unit
    assert receipt.received_by == front.enduser
    assert receipt.quantity_received == 150
    # Everything arrived in good condition: no case, no hold.
    assert not Discrepancy.objects.exists()
    assert batch.disbursement.hold == ""
    event = TimelineEvent.objects.get(action="receipt_confirmed")
    assert event.case == batch.contract.award.lot.tender.case
    assert "150 of 150 units received" in event.description


@pytest.mark.parametrize("who", ["enduser", "enduser_same_unit"])
def test_the_units_end_users_may_confirm_receipt(front, batch, who):
    assert policy.may("receipt.confirm", getattr(front, who), batch)


def test_an_end_user_of_another_unit_confirms_for_their_own_unit_only(front, batch):
    with pytest.raises(ApplicationError) as refused:
        receive(front, batch, who=front.enduser_other_unit, unit=front.unit)
    assert refused.value.field == "unit"
    assert not Receipt.objects.exists()
    receipt = receive(front, batch, who=front.enduser_other_unit, unit=front.other_unit)
    assert receipt.unit == front.other_unit


@pytest.mark.parametrize(
    "who",
    [
        "liaison_jp",
        "procurement",
        "finance",
        "officer",
        "approver_lv",
        "manufacturer",
        "outsider",
    ],
)
def test_nobody_else_confirms_receipt(people, front, batch, who):
    person = getattr(people, who)
    decision = policy.decide("receipt.confirm", person, batch)
    assert not decision.allowed and decision.hidden
    with pytest.raises(PermissionDenied):
        receive(front, batch, who=person)
    assert not Receipt.objects.exists()


def test_the_contractor_does_not_confirm_its_own_batch(contract, front, batch):
    _contract, rep = contract
    assert not policy.may("receipt.confirm", rep, batch)
    with pytest.raises(PermissionDenied):
        receive(front, batch, who=rep)


def test_an_end_user_of_another_state_is_refused_and_shown_nothing(
    front, batch, latvia, client_for
):
    unit = MilitaryUnit.objects.create(
        member_state=latvia, code="LV-1", name="Latvian brigade"
    )
    other = UserFactory(
        username="enduser-lv", roles=[Role.END_USER], member_state=latvia
    )
    unit.people.add(other)
    with pytest.raises(PermissionDenied):
        receive(front, batch, who=other, unit=unit)
    browser = client_for(other)
    assert browser.get(confirm_url(batch)).status_code == 404
    assert (
        browser.post(confirm_url(batch), receipt_form(front, batch)).status_code == 404
    )
    assert not Receipt.objects.exists()


def test_a_batch_not_yet_accepted_cannot_be_received(
    people, contract, front, client_for
):
    contract, rep = contract
    delivery = reported_batch(contract, rep)
    assert not policy.may("receipt.confirm", front.enduser, delivery)
    with pytest.raises(ConflictError):
        receive(front, delivery, quantity_received=0)
    # To an end user a batch the secretariat has not accepted is not there.
    browser = client_for(front.enduser)
    assert browser.get(confirm_url(delivery)).status_code == 404
    assert browser.get(delivery.get_absolute_url()).status_code == 404
    assert not Receipt.objects.exists()


def test_a_second_receipt_of_the_same_batch_is_refused(front, batch, client_for):
    receive(front, batch)
    with pytest.raises(ConflictError):
        receive(front, batch, who=front.enduser_same_unit)
    browser = client_for(front.enduser_same_unit)
    page = browser.get(confirm_url(batch))
    assert page.status_code == 200
    assert "already confirmed" in html_of(page)
    assert page.context["form"] is None
    sent = browser.post(confirm_url(batch), receipt_form(front, batch))
    assert sent.status_code == 200
    assert "already confirmed" in " ".join(errors_of(sent))
    assert Receipt.objects.count() == 1


def test_wrong_figures_are_all_reported_at_once_and_nothing_is_saved(
    front, batch, client_for
):
    browser = client_for(front.enduser)
    sent = browser.post(
        confirm_url(batch),
        receipt_form(
            front,
            batch,
            quantity_received=151,
            quantity_damaged=152,
            received_on=TOMORROW.isoformat(),
            place="",
        ),
    )
    assert sent.status_code == 200
    assert errors_of(sent, "quantity_received") == [
        "150 units of this batch were accepted (of 150 delivered): no more can be "
        "received."
    ]
    assert errors_of(sent, "quantity_damaged") == [
        "No more units can be damaged than were received (151)."
    ]
    assert errors_of(sent, "received_on") == [
        "The handover date cannot be in the future."
    ]
    assert errors_of(sent, "place") == ["This field is required."]
    assert not Receipt.objects.exists()
    assert not Discrepancy.objects.exists()


def test_more_received_than_accepted_is_refused_by_the_service(people, contract, front):
    contract, rep = contract
    batch = accepted_batch(people, contract, rep, quantity=150, accepted=120)
    with pytest.raises(ApplicationError) as refused:
        receive(front, batch, quantity_received=130)
    assert refused.value.field == "quantity_received"
    assert "120 units of this batch were accepted" in refused.value.message
    assert not Receipt.objects.exists()


def test_a_handover_before_the_delivery_was_reported_is_refused(front, batch):
    import datetime as dt

    from django.utils import timezone

    before = timezone.localdate(batch.reported_at) - dt.timedelta(days=1)
    with pytest.raises(ApplicationError) as refused:
        receive(front, batch, received_on=before)
    assert refused.value.field == "received_on"


def test_a_good_condition_with_damaged_units_is_contradictory(front, batch, client_for):
    sent = client_for(front.enduser).post(
        confirm_url(batch),
        receipt_form(front, batch, quantity_damaged=3, condition="good"),
    )
    assert errors_of(sent, "condition") == [
        "You counted damaged units: choose “Some units damaged” or “Unusable”."
    ]
    assert not Receipt.objects.exists()


def test_the_receipt_page_confirms_with_documents(front, batch, client_for):
    browser = client_for(front.enduser)
    page = browser.get(confirm_url(batch))
    assert page.status_code == 200
    assert page.context["form"] is not None
    data = receipt_form(front, batch, document_1=pdf("handover-act.pdf"))
    sent = browser.post(confirm_url(batch), data)
    assert sent.status_code == 302
    assert sent["Location"] == batch.get_absolute_url()
    receipt = Receipt.objects.get()
    document = Attachment.objects.get(original_name="handover-act.pdf")
    assert document.subject == receipt
    shown = html_of(browser.get(batch.get_absolute_url()))
    assert "handover-act.pdf" in shown
    assert "Kramatorsk logistics hub" in shown
    assert reverse("attachment", args=[document.pk]) in shown
    assert browser.get(reverse("attachment", args=[document.pk])).status_code == 200


def test_the_batch_page_offers_the_confirmation_to_end_users_only(
    people, contract, front, batch, client_for
):
    _contract, rep = contract
    url = confirm_url(batch)
    assert url in html_of(client_for(front.enduser).get(batch.get_absolute_url()))
    for who in (people.procurement, rep):
        page = client_for(who).get(batch.get_absolute_url())
        assert page.status_code == 200
        assert url not in html_of(page)
    for who in (people.procurement, rep, people.liaison_jp, people.outsider):
        assert client_for(who).get(url).status_code in (403, 404)


def test_the_batch_page_is_hidden_from_others(
    people, bidders, front, batch, client_for
):
    (_m, _rep_lv), (_m2, rep_gb) = bidders
    for who in (people.liaison_jp, people.outsider, rep_gb):
        assert client_for(who).get(batch.get_absolute_url()).status_code == 404


def test_the_contract_page_says_whether_a_batch_was_received(
    people, front, batch, client_for
):
    url = reverse("procurement:contract", args=[batch.contract_id])
    browser = client_for(people.procurement)
    assert "Awaiting receipt" in html_of(browser.get(url))
    receive(front, batch)
    assert "150 received on" in html_of(browser.get(url))


def test_the_deliveries_to_receive_list_and_waiting_for_you(
    people, contract, front, client_for, django_assert_max_num_queries
):
    contract, rep = contract
    first = accepted_batch(people, contract, rep, milestone=1, quantity=150)
    second = accepted_batch(people, contract, rep, milestone=2, quantity=100)
    browser = client_for(front.enduser)
    url = reverse("procurement:delivery_list")
    with django_assert_max_num_queries(12):
        page = browser.get(url)
    assert page.status_code == 200
    assert [d.pk for d in page.context["to_receive"]] == [first.pk, second.pk]
    items = [i for i in work_items_for(front.enduser) if i.action == "receipt.confirm"]
    assert {i.action_url for i in items} == {confirm_url(first), confirm_url(second)}
    assert {i.url for i in items} == {
        first.get_absolute_url(),
        second.get_absolute_url(),
    }
    start = html_of(browser.get(reverse("start")))
    assert confirm_url(first) in start

    receive(front, first)
    page = browser.get(url)
    assert [d.pk for d in page.context["to_receive"]] == [second.pk]
    assert [r.delivery_id for r in page.context["received"]] == [first.pk]
    items = [i for i in work_items_for(front.enduser) if i.action == "receipt.confirm"]
    assert [i.action_url for i in items] == [confirm_url(second)]

    for who in (people.procurement, people.liaison_jp, rep, people.outsider):
        assert client_for(who).get(url).status_code == 403
        assert not [i for i in work_items_for(who) if i.action == "receipt.confirm"]


def test_the_list_costs_the_same_with_more_batches(
    people, contract, front, client_for, django_assert_max_num_queries
):
    contract, rep = contract
    for milestone in (1, 1, 2, 2):
        batch = accepted_batch(people, contract, rep, milestone=milestone, quantity=50)
        if milestone == 1:
            receive(front, batch)
    browser = client_for(front.enduser)
    with django_assert_max_num_queries(12):
        page = browser.get(reverse("procurement:delivery_list"))
    assert len(page.context["to_receive"]) == 2
    assert len(page.context["received"]) == 2


def test_receipts_are_not_shown_to_another_state(people, ukraine, front, batch):
    from procurement.selectors import receipts_for

    receive(front, batch)
    assert receipts_for(front.enduser_other_unit).count() == 1
    assert receipts_for(people.liaison_jp).count() == 0
    assert receipts_for(people.outsider).count() == 0
    assert MemberState.objects.get(pk=ukraine.pk).country == "UA"


def test_the_api_confirms_receipt_and_reports_every_error_in_the_body(
    contract, front, batch, api_for
):
    api = api_for(front.enduser)
    body = {**receipt_form(front, batch), "delivery": batch.pk}
    wrong = {
        **body,
        "quantity_received": 151,
        "quantity_damaged": 152,
        "received_on": TOMORROW.isoformat(),
    }
    answer = api.post("/api/receipts/", wrong, format="json")
    assert answer.status_code == 400
    errors = answer.json()
    assert set(errors) >= {"quantity_received", "quantity_damaged", "received_on"}
    assert not Receipt.objects.exists()

    answer = api.post("/api/receipts/", body, format="json")
    assert answer.status_code == 201, answer.content
    assert answer.json()["unit_name"] == front.unit.name
    again = api.post("/api/receipts/", body, format="json")
    assert again.status_code == 409
    assert Receipt.objects.count() == 1

    # The contractor reads it without who received it, or where.
    _contract, rep = contract
    seen = api_for(rep).get(f"/api/receipts/{answer.json()['id']}/").json()
    assert seen["quantity_received"] == 150
    assert not {"unit", "unit_name", "place", "received_by"} & set(seen)


def test_the_api_refuses_whoever_is_not_an_end_user(people, front, batch, api_for):
    body = {**receipt_form(front, batch), "delivery": batch.pk}
    for who in (people.procurement, people.liaison_jp, people.outsider):
        assert (
            api_for(who).post("/api/receipts/", body, format="json").status_code == 403
        )
    assert not Receipt.objects.exists()
