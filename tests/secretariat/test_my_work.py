"""'My work': what awaits the signed-in person, across workflows, overdue first."""

import datetime as dt

import pytest
from django.urls import reverse

from members import services as member_services
from secretariat.fund.services import disbursements as dsb
from secretariat.reports.selectors import work_items_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# What My work says awaits each person: the task, not only its button's verb.
CHECK = "Check the payment request against its documents"
APPROVE = "Approve the payment"
PAY = "Pay the approved request"


def test_each_person_sees_what_awaits_them(people, japan, draft):
    checker = UserFactory(username="checker", roles=["finance_officer"])
    member_services.member_transition(
        member_state=japan, to_status="invited", actor=people.officer, reason="r",
        due_date=dt.date(2020, 1, 1),
    )  # fmt: skip
    submitted = draft("1000.00", due_date=dt.date(2030, 1, 1))
    dsb.disbursement_submit(request=submitted, actor=people.finance)
    checked = draft("2000.00", due_date=dt.date(2029, 1, 1))
    dsb.disbursement_submit(request=checked, actor=people.finance)
    dsb.disbursement_check(request=checked, actor=checker)

    def what(user):
        return [(item.reference, item.what) for item in work_items_for(user)]

    officer_items = what(people.officer)
    assert len(officer_items) == 7  # the seven onboarding steps, all overdue
    assert {ref for ref, _ in officer_items} == {
        japan.onboarding_cases.get().case.reference
    }

    assert (submitted.case.reference, CHECK) in what(checker)
    assert (submitted.case.reference, CHECK) not in what(people.finance)  # preparer
    assert (checked.case.reference, APPROVE) in what(people.approver_lv)
    assert (checked.case.reference, APPROVE) not in what(people.finance)

    dsb.disbursement_approve(request=checked, actor=people.approver_lv)
    # A third finance officer pays: neither its preparer nor its checker.
    payer = UserFactory(username="payer", roles=["finance_officer"])
    assert (checked.case.reference, PAY) in what(payer)
    assert (checked.case.reference, PAY) not in what(checker)
    assert (checked.case.reference, PAY) not in what(people.finance)
    # Japan's liaison is asked only for the documents Japan is to send.
    assert {ref for ref, _ in what(people.liaison_jp)} == {
        japan.onboarding_cases.get().case.reference
    }
    assert all(
        label.startswith("Send the document for")
        for _, label in what(people.liaison_jp)
    )
    assert what(people.liaison_lv) == []


def test_overdue_first(people, draft):
    checker = UserFactory(username="checker", roles=["finance_officer"])
    later = draft("1000.00", due_date=dt.date(2031, 1, 1))
    sooner = draft("1000.00", due_date=dt.date(2021, 1, 1))
    for request in (later, sooner):
        dsb.disbursement_submit(request=request, actor=people.finance)
    references = [item.reference for item in work_items_for(checker)]
    assert references == [sooner.case.reference, later.case.reference]


def test_my_work_page(client, people, draft):
    request = draft("1000.00", due_date=dt.date(2021, 1, 1))
    client.force_login(people.finance)
    page = client.get(reverse("my_work")).content.decode()
    assert request.case.reference in page
    assert "Revise and submit" in page
    assert "overdue" in page
