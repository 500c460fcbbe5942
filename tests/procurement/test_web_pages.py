"""The other procurement pages through their forms: manufacturers nominated,
vetted, declared and tested; clarifications asked and answered; comments on
the tender's case page."""

import datetime as dt

import pytest
from django.utils import timezone

from procurement.models import Manufacturer
from procurement.models import TestResult as RecordedTest
from secretariat.kernel.models import Comment
from tests.conftest import refresh
from tests.files import pdf
from tests.procurement.helpers import category
from tests.procurement.web import errors_of, html_of, tender_url, url

pytestmark = pytest.mark.django_db


def test_a_liaison_nominates_for_their_own_state_only(people, latvia, japan, web):
    liaison = web(people.liaison_lv)
    form = html_of(liaison.get(url("manufacturer_nominate")))
    assert 'name="member_state"' not in form
    response = liaison.post(url("manufacturer_nominate"), {
        "name": "SIA Riga Drones", "registration_number": "40003",
        "contact_name": "Anna", "contact_email": "anna@riga.example",
        "member_state": japan.pk,  # ignored: the liaison's own state is used
    })  # fmt: skip
    maker = Manufacturer.objects.get()
    assert response["Location"] == url("manufacturer", maker.pk)
    assert maker.member_state == latvia
    assert maker.vetting_status == "applied"
    listed = html_of(liaison.get(url("manufacturer_list")))
    assert "SIA Riga Drones" in listed

    # Japan is not a member (yet): its liaison's nomination is refused.
    response = web(people.liaison_jp).post(url("manufacturer_nominate"), {
        "name": "Tokyo Sensors KK", "registration_number": "JP1",
        "contact_name": "Ken", "contact_email": "ken@tokyo.example",
    })  # fmt: skip
    assert response.status_code == 200
    assert "Japan is not a member" in errors_of(response)[0]
    assert Manufacturer.objects.count() == 1
    assert web(people.liaison_jp).get(url("manufacturer", maker.pk)).status_code == 404


def test_a_manufacturer_is_vetted_declared_and_tested(people, latvia, web):
    officer = web(people.procurement)
    officer.post(url("manufacturer_nominate"), {
        "member_state": latvia.pk, "name": "SIA Baltic UAV",
        "registration_number": "LV1", "contact_name": "C",
        "contact_email": "c@x.example",
    })  # fmt: skip
    maker = Manufacturer.objects.get()
    refused = officer.post(url("manufacturer_vet", maker.pk, "vetted"), {"reason": ""})
    assert errors_of(refused, "reason")
    officer.post(url("manufacturer_vet", maker.pk, "vetted"), {"reason": "Checked"})
    assert refresh(maker).vetting_status == "vetted"
    officer.post(url("manufacturer_supply_chain", maker.pk), {
        "flight_controller": "LV", "motors": "PL", "cameras": "JP",
        "radios": "LV", "batteries": "DE",
    })  # fmt: skip
    assert maker.supply_chain.count() == 5
    filtered = html_of(
        officer.get(url("manufacturer_list") + "?vetting_status=applied")
    )
    assert url("manufacturer", maker.pk) not in filtered
    response = officer.post(url("manufacturer_test_record", maker.pk), {
        "capability": category("reconnaissance").pk, "product": "Falcon 2",
        "site": "Sēlia", "tested_on": timezone.localdate().isoformat(),
        "outcome": "passed", "summary": "Flew 10 km at night",
        "report": pdf("falcon-test.pdf"),
    })  # fmt: skip
    assert response.status_code == 302
    result = RecordedTest.objects.get()
    page = html_of(web(people.liaison_lv).get(url("manufacturer", maker.pk)))
    assert "Falcon 2" in page and "falcon-test.pdf" in page
    assert "Suspend" not in page  # the liaison reads, the officer acts
    report = web(people.liaison_lv).get(f"/documents/{result.report_id}/")
    assert report.status_code == 200
    assert (
        web(people.liaison_jp).get(f"/documents/{result.report_id}/").status_code == 404
    )
    page = html_of(officer.get(url("manufacturer", maker.pk)))
    assert "SIA Baltic UAV: Applied → Vetted" in page
    assert url("manufacturer_vet", maker.pk, "suspended") in page


def test_a_bad_iban_shows_next_to_it(people, bidders, web):
    (maker, rep), _ = bidders
    response = web(rep).post(url("manufacturer_bank_account", maker.pk), {
        "iban": "LV00 NOT AN IBAN", "bic": "HABALV22"})  # fmt: skip
    assert response.status_code == 200
    assert errors_of(response, "iban")
    assert refresh(maker).iban == ""


def test_clarifications_are_asked_answered_and_published_without_the_asker(
    people, bidders, tender, web
):
    from procurement import services

    (_m1, rep_lv), (_m2, rep_gb) = bidders
    services.tender_publish(tender=tender, actor=people.procurement)
    asker = web(rep_lv)
    response = asker.post(url("clarification_ask", tender.case.reference), {
        "question": "Is a thermal camera required?"})  # fmt: skip
    assert response.status_code == 302
    clarification = tender.clarifications.get()
    other = html_of(web(rep_gb).get(tender_url(tender)))
    assert "thermal camera" not in other  # not published before it is answered
    officer = web(people.procurement)
    assert "thermal camera" in html_of(officer.get(tender_url(tender)))
    officer.post(
        url("clarification_answer", tender.case.reference, clarification.pk),
        {"answer": "Yes, 640x512 at least."},
    )
    other = html_of(web(rep_gb).get(tender_url(tender)))
    assert "thermal camera" in other and "640x512" in other
    assert "SIA Baltic UAV" not in other
    liaison = html_of(web(people.liaison_lv).get(tender_url(tender)))
    assert "640x512" in liaison


def test_comments_on_the_tender_case_page(people, tender, web):
    officer = web(people.procurement)
    case_comment = f"/cases/{tender.case.reference}/comments/"
    refused = officer.post(case_comment, {"body": ""})
    assert refused.status_code == 200
    assert refused.context["comment_form"].errors["body"]
    assert refused.context["tender"] == tender
    done = officer.post(case_comment, {"body": "Check the range with AFU."})
    assert done["Location"] == tender_url(tender)
    assert Comment.objects.get().body == "Check the range with AFU."
    assert "Check the range with AFU." in html_of(officer.get(tender_url(tender)))
    assert web(people.liaison_lv).post(case_comment, {"body": "x"}).status_code == 404


def test_a_published_tender_is_amended_and_bidders_get_notice(
    people, tender, web, settings
):
    from django.utils import timezone

    from procurement import services
    from procurement.models import Tender

    services.tender_publish(tender=tender, actor=people.procurement)
    soon = timezone.now() + dt.timedelta(days=2)
    Tender.objects.filter(pk=tender.pk).update(
        clarification_deadline=soon - dt.timedelta(days=1), submission_deadline=soon
    )
    officer = web(people.procurement)
    page = html_of(officer.get(url("tender_amend", tender.case.reference)))
    assert "Lot 1: quadcopters" in page  # the description, to change
    response = officer.post(url("tender_amend", tender.case.reference), {
        "description": "Lot 1: quadcopters with thermal cameras",
        "reason": "Thermal camera added"})  # fmt: skip
    assert response.status_code == 302
    tender = refresh(tender)
    assert tender.description == "Lot 1: quadcopters with thermal cameras"
    notice = timezone.now() + dt.timedelta(days=settings.TENDER_AMENDMENT_MIN_DAYS)
    assert tender.submission_deadline >= notice - dt.timedelta(minutes=1)
    assert "Thermal camera added" in html_of(officer.get(tender_url(tender)))
    refused = officer.get(url("tender_publish", tender.case.reference))
    assert "is not possible now" in html_of(refused)
