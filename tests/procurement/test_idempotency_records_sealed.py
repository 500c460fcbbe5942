"""The admin's list of idempotency records does not tell which tender a company
acted on: a record of a write under a tender or a bid is not shown."""

import pytest
from django.urls import reverse

from secretariat.kernel.models import IdempotencyKey
from tests.procurement.helpers import make_manufacturer

pytestmark = pytest.mark.django_db


def test_a_companys_question_on_a_tender_is_not_listed_in_the_admin(
    client, api_for, people, latvia, tender
):
    from procurement import services

    _maker, rep = make_manufacturer(people, latvia, "SIA Quiet UAV", "LV9")
    services.tender_publish(tender=tender, actor=people.procurement)
    reference = tender.case.reference
    asked = api_for(rep).post(
        f"/api/tenders/{reference}/clarifications/",
        {"question": "Is night vision required?"},
        format="json",
        headers={"Idempotency-Key": "question-1"},
    )
    assert asked.status_code == 201, asked.content
    record = IdempotencyKey.objects.get(user=rep, key="question-1")
    assert reference in record.endpoint  # kept, for the replay

    client.force_login(people.admin)
    listing = client.get(reverse("admin:secretariat_idempotencykey_changelist"))
    assert listing.status_code == 200
    page = listing.content.decode()
    assert reference not in page and "question-1" not in page
    detail = reverse("admin:secretariat_idempotencykey_change", args=[record.pk])
    assert client.get(detail).status_code == 302  # "doesn't exist": back to the list
