"""The contract page: read-only, it says at a glance where the contract stands,
what happens next and who acts, the milestones with their due dates, the
deliveries with who accepted them and when, and the acceptance reports."""

import pytest
from django.urls import reverse
from django.utils import timezone

from procurement import services
from secretariat.kernel.formatting import day_text
from tests.files import pdf

pytestmark = pytest.mark.django_db


def page_of(client_for, user, contract):
    response = client_for(user).get(reverse("procurement:contract", args=[contract.pk]))
    assert response.status_code == 200
    return response.content.decode()


def next_step(page):
    return page.split('id="next-step"', 1)[1].split("</section>", 1)[0]


def test_a_new_contract_waits_for_the_first_delivery(client_for, people, contract):
    signed, rep_lv = contract
    page = page_of(client_for, people.procurement, signed)
    step = next_step(page)
    assert "Deliver 150 units for milestone 1, due on 15 Jan 2027." in step
    assert "SIA Baltic UAV" in step
    assert "0 of 250 units accepted." in step
    milestones = page.split('id="milestones-heading"', 1)[1].split("</section>", 1)[0]
    assert "15 Jan 2027" in milestones and "15 Feb 2027" in milestones
    assert "150 units to deliver" in milestones
    assert "EUR " in milestones
    assert "No delivery reported yet." in page
    company = page_of(client_for, rep_lv, signed)
    assert f'href="{reverse("procurement:delivery_report", args=[signed.pk])}"' in (
        company
    )
    assert "Report each batch you deliver" in company


def test_a_reported_delivery_waits_for_the_secretariats_tests(
    client_for, people, contract
):
    signed, rep_lv = contract
    first = signed.milestones.get(number=1)
    services.delivery_report(
        contract=signed, milestone=first, actor=rep_lv, quantity=150, note="Batch 1"
    )
    step = next_step(page_of(client_for, rep_lv, signed))
    assert "Test the delivery reported on" in step
    assert "The secretariat&#x27;s procurement officers" in step


def test_an_accepted_delivery_shows_who_accepted_it_and_when(
    client_for, people, contract
):
    signed, rep_lv = contract
    first = signed.milestones.get(number=1)
    delivery = services.delivery_report(
        contract=signed, milestone=first, actor=rep_lv, quantity=150
    )
    services.delivery_decide(
        delivery=delivery, actor=people.procurement, quantity_accepted=150,
        test_site="Sēlia", tested_on=timezone.localdate(), note="All passed",
        report_file=pdf("acceptance.pdf"),
    )  # fmt: skip
    staff = page_of(client_for, people.procurement, signed)
    deliveries = staff.split('id="deliveries-heading"', 1)[1].split("</section>", 1)[0]
    assert str(people.procurement) in deliveries
    assert f"Sēlia, {day_text(timezone.localdate())}" in deliveries
    assert "Delivered and accepted" in staff
    assert "Deliver 100 units for milestone 2, due on 15 Feb 2027." in next_step(staff)
    assert "150 of 250 units accepted." in next_step(staff)
    documents = staff.split('id="documents-heading"', 1)[1].split("</section>", 1)[0]
    assert "acceptance.pdf" in documents and "milestone 1" in documents

    company = page_of(client_for, rep_lv, signed)
    assert "the secretariat" in company
    assert str(people.procurement) not in company
    assert 'id="documents-heading"' not in company


def test_the_contract_page_has_no_comments_or_timeline(client_for, people, contract):
    signed, _rep_lv = contract
    page = page_of(client_for, people.officer, signed)
    assert 'id="comments-heading"' not in page
    assert 'id="timeline-heading"' not in page
