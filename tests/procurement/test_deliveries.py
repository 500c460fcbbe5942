"""From Ukraine's requirement to an accepted delivery and a drafted
disbursement, through the services; then the fund pays it."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from procurement import services
from procurement.models import DeliveryStatus
from secretariat.fund.models import DisbursementStatus, Pool
from secretariat.fund.services import disbursements as dsb
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from tests.factories import UserFactory
from tests.files import pdf
from tests.procurement.helpers import IBAN

pytestmark = pytest.mark.django_db


def test_an_accepted_delivery_drafts_the_payment(people, contract):
    contract, rep = contract
    milestone = contract.milestones.get(number=1)
    delivery = services.delivery_report(
        contract=contract, milestone=milestone, actor=rep, quantity=150,
        note="Delivered to the Sēlia training ground",
    )  # fmt: skip
    delivery = services.delivery_decide(
        delivery=delivery, actor=people.procurement, quantity_accepted=140,
        test_site="Sēlia military training ground",
        tested_on=timezone.localdate(), report_file=pdf("acceptance.pdf"),
        note="10 units failed the jamming test",
    )  # fmt: skip
    assert delivery.status == DeliveryStatus.ACCEPTED
    request = delivery.disbursement
    assert request.status == DisbursementStatus.DRAFT
    assert request.commitment == contract.commitment
    assert request.eur_amount == Decimal("196000.00")  # 140 x 1,400.00
    assert request.payee_iban == IBAN
    assert "milestone 1: 140 units accepted" in request.purpose

    # A finance officer takes the draft over and it goes through the fund.
    checker = UserFactory(username="checker", roles=["finance_officer"])
    payer = UserFactory(username="payer", roles=["finance_officer"])
    dsb.disbursement_adopt(request=request, actor=people.finance)
    dsb.disbursement_submit(request=request, actor=people.finance)
    dsb.disbursement_check(request=request, actor=checker)
    dsb.disbursement_approve(request=request, actor=people.approver_lv)
    dsb.disbursement_mark_paid(
        request=request, actor=payer, payment_order="PO-1",
        bank_reference="BANK-DLV-1", paid_on=timezone.localdate(),
    )  # fmt: skip
    pool = Pool.objects.get(code="unrestricted")
    assert pool.disbursed == Decimal("196000.00")
    assert pool.committed == Decimal("154000.00")  # 350,000 - 196,000


def test_a_failed_batch_drafts_nothing(people, contract):
    contract, rep = contract
    delivery = services.delivery_report(
        contract=contract, milestone=contract.milestones.get(number=2), actor=rep,
        quantity=100,
    )  # fmt: skip
    delivery = services.delivery_decide(
        delivery=delivery, actor=people.procurement, quantity_accepted=0,
        test_site="Sēlia", tested_on=timezone.localdate(), note="Range far below spec",
    )  # fmt: skip
    assert delivery.status == DeliveryStatus.REJECTED
    assert delivery.disbursement is None
    # The milestone's units can be delivered again.
    services.delivery_report(
        contract=contract, milestone=contract.milestones.get(number=2), actor=rep,
        quantity=100,
    )  # fmt: skip


def test_delivery_rules(people, contract, bidders):
    contract, rep = contract
    (_m, _r), (_gb, rep_gb) = bidders
    milestone = contract.milestones.get(number=1)
    with pytest.raises(PermissionDenied):
        services.delivery_report(
            contract=contract, milestone=milestone, actor=rep_gb, quantity=10
        )
    with pytest.raises(ApplicationError, match="150 units left"):
        services.delivery_report(
            contract=contract, milestone=milestone, actor=rep, quantity=151
        )
    delivery = services.delivery_report(
        contract=contract, milestone=milestone, actor=rep, quantity=150
    )
    services.delivery_decide(
        delivery=delivery, actor=people.procurement, quantity_accepted=150,
        test_site="Sēlia", tested_on=timezone.localdate(),
    )  # fmt: skip
    with pytest.raises(ConflictError, match="already been decided"):
        services.delivery_decide(
            delivery=delivery, actor=people.procurement, quantity_accepted=150,
            test_site="Sēlia", tested_on=timezone.localdate(),
        )  # fmt: skip


def _accepted(people, contract):
    """Milestone 1's 150 units delivered and all accepted: a payment drafted by
    the procurement officer who accepted them."""
    contract, rep = contract
    delivery = services.delivery_report(
        contract=contract, milestone=contract.milestones.get(number=1), actor=rep,
        quantity=150, note="Delivered",
    )  # fmt: skip
    return services.delivery_decide(
        delivery=delivery, actor=people.procurement, quantity_accepted=150,
        test_site="Sēlia", tested_on=timezone.localdate(),
        report_file=pdf("acceptance.pdf"), note="All passed",
    )  # fmt: skip


def test_an_accepted_deliverys_draft_is_in_finance_my_work(client, people, contract):
    """The draft a procurement officer's acceptance made is a finance task: it is
    on every finance officer's My work until one takes it over."""
    delivery = _accepted(people, contract)
    reference = delivery.disbursement.case.reference
    other = UserFactory(username="finance-2", roles=["finance_officer"])
    for officer in (people.finance, other):
        client.force_login(officer)
        assert reference in client.get(reverse("my_work")).content.decode()
    client.force_login(people.procurement)
    assert reference not in client.get(reverse("my_work")).content.decode()

    dsb.disbursement_adopt(request=delivery.disbursement, actor=people.finance)
    client.force_login(other)
    assert reference not in client.get(reverse("my_work")).content.decode()
    client.force_login(people.finance)  # now theirs to revise and submit
    assert reference in client.get(reverse("my_work")).content.decode()


def test_a_finance_officer_takes_the_draft_over_on_its_page(client, people, contract):
    delivery = _accepted(people, contract)
    request = delivery.disbursement
    reference = request.case.reference
    client.force_login(people.finance)
    page = client.get(reverse("disbursement", args=[reference])).content.decode()
    assert "Take over the draft" in page
    assert "A finance officer takes the draft over" in page
    url = reverse("disbursement_adopt", args=[reference])
    assert f'href="{url}"' in page
    response = client.post(url, {})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.prepared_by == people.finance
    page = client.get(reverse("disbursement", args=[reference])).content.decode()
    assert "Take over the draft" not in page
    # The procurement officer who drafted it is offered nothing to take over.
    client.force_login(people.procurement)
    assert client.post(url, {}).status_code in (403, 404)
    request.refresh_from_db()
    assert request.prepared_by == people.finance


def test_a_deliverys_payment_cannot_be_raised_or_redirected(client, people, contract):
    """A milestone pays what was accepted, to the account on record: the draft's
    amount and payee are refused if changed, on the page and in the service."""
    delivery = _accepted(people, contract)
    request = delivery.disbursement
    dsb.disbursement_adopt(request=request, actor=people.finance)
    for change in ({"amount": Decimal("1000000.00")},
                   {"payee_iban": "GB33BUKB20201555555555"}):  # fmt: skip
        with pytest.raises(ApplicationError, match="cannot be changed") as refused:
            dsb.disbursement_update(request=request, actor=people.finance, **change)
        assert refused.value.field == next(iter(change))
    # The same amount written another way, and the purpose, may be changed.
    dsb.disbursement_update(
        request=request, actor=people.finance, amount=Decimal("210000"),
        purpose="Milestone 1, 150 units",
    )  # fmt: skip
    request.refresh_from_db()
    assert request.amount.amount == Decimal("210000.00")  # 150 x 1,400.00
    assert request.purpose == "Milestone 1, 150 units"


def test_a_batch_is_not_tested_before_it_was_delivered(client, people, contract):
    contract, rep = contract
    delivery = services.delivery_report(
        contract=contract, milestone=contract.milestones.get(number=1), actor=rep,
        quantity=150, note="Delivered",
    )  # fmt: skip
    client.force_login(people.procurement)
    url = reverse("procurement:delivery_decide", args=[delivery.pk])
    response = client.post(url, {
        "quantity_accepted": "150", "test_site": "Sēlia", "tested_on": "1990-01-01",
        "note": "All passed",
    })  # fmt: skip
    assert response.status_code == 200
    form = response.context["form"]
    assert "it was tested on or after that day" in " ".join(form.errors["tested_on"])
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.REPORTED


def test_the_delivery_form_offers_only_milestones_with_units_left(
    client, people, contract
):
    contract, rep = contract
    first, second = contract.milestones.order_by("number")
    url = reverse("procurement:delivery_report", args=[contract.pk])
    client.force_login(rep)

    def offered():
        form = client.get(url).context["form"]
        return list(form.fields["milestone"].queryset)

    assert offered() == [first, second]
    delivery = services.delivery_report(
        contract=contract, milestone=first, actor=rep, quantity=first.quantity
    )
    assert offered() == [second]
    # A rejected batch goes back: its units are to be delivered again.
    services.delivery_decide(
        delivery=delivery, actor=people.procurement, quantity_accepted=0,
        test_site="Sēlia", tested_on=timezone.localdate(),
        report_file=pdf("acceptance.pdf"), note="Failed the jamming test",
    )  # fmt: skip
    assert offered() == [first, second]
