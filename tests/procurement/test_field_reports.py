"""Ukraine's end users report how a received batch performed: who may file,
what a wrong rating gets, and who reads what (the secretariat and the
manufacturer concerned the detail, the manufacturer without the submitter;
other states' liaisons only counts and averages; other manufacturers
nothing)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from procurement import selectors, services
from procurement.models import FieldReport
from secretariat.kernel import policy
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.models import Attachment
from tests.files import pdf
from tests.procurement.receiving import accepted_batch, receive
from tests.procurement.web import errors_of, html_of

pytestmark = pytest.mark.django_db

RATINGS = {"technical": 4, "delivery": 5, "tests": 3, "supply_chain": 4}
LESSONS = "Batteries drain fast below minus ten degrees"
SENSITIVE = "Lost two units to jamming near Pokrovsk"


@pytest.fixture
def batch(people, contract):
    contract, rep = contract
    return accepted_batch(people, contract, rep, quantity=150)


@pytest.fixture
def received(front, batch):
    receive(front, batch)
    return batch


def file_report(front, delivery, who=None, unit=None, **over):
    values = {
        "ratings": RATINGS,
        "units_failed": 3,
        "units_lost": 2,
        "failures": "Motor overheating",
        "lessons": LESSONS,
        "sensitive_detail": SENSITIVE,
        **over,
    }
    return services.field_report_file(
        delivery=delivery, actor=who or front.enduser, unit=unit or front.unit, **values
    )


def report_form(front, **over):
    data = {f"rating_{c}": v for c, v in RATINGS.items()}
    return {
        "unit": front.unit.pk,
        **data,
        "units_failed": 3,
        "units_lost": 2,
        "failures": "Motor overheating",
        "lessons": LESSONS,
        "sensitive_detail": SENSITIVE,
        **over,
    }


def file_url(delivery):
    return reverse("procurement:field_report_file", args=[delivery.pk])


def test_an_end_user_files_a_field_report(front, received):
    report = file_report(front, received)
    assert report.ratings == RATINGS
    assert report.unit == front.unit
    assert report.filed_by == front.enduser
    assert report.receipt == received.receipt


@pytest.mark.parametrize("who", ["enduser", "enduser_same_unit", "enduser_other_unit"])
def test_ukraines_end_users_may_report_on_a_received_batch(front, received, who):
    person = getattr(front, who)
    assert policy.may("field_report.file", person, received)
    unit = front.other_unit if who == "enduser_other_unit" else front.unit
    assert file_report(front, received, who=person, unit=unit).unit == unit


@pytest.mark.parametrize(
    "who", ["liaison_jp", "procurement", "finance", "manufacturer", "outsider"]
)
def test_nobody_else_files_a_field_report(people, front, received, who):
    person = getattr(people, who)
    decision = policy.decide("field_report.file", person, received)
    assert not decision.allowed and decision.hidden
    with pytest.raises(PermissionDenied):
        file_report(front, received, who=person)
    assert not FieldReport.objects.exists()


def test_a_batch_not_yet_received_gets_a_clear_refusal(front, batch, client_for):
    decision = policy.decide("field_report.file", front.enduser, batch)
    assert not decision.allowed and not decision.hidden
    assert "has not been received yet" in decision.reason
    with pytest.raises(ConflictError) as refused:
        file_report(front, batch)
    assert "has not been received yet" in refused.value.message
    browser = client_for(front.enduser)
    page = browser.get(file_url(batch))
    assert page.status_code == 200
    assert "has not been received yet" in html_of(page)
    assert page.context["form"] is None
    sent = browser.post(file_url(batch), report_form(front))
    assert "has not been received yet" in html_of(sent)
    assert not FieldReport.objects.exists()


def test_ratings_out_of_range_and_too_many_losses_are_reported_together(
    front, received, client_for
):
    sent = client_for(front.enduser).post(
        file_url(received),
        report_form(
            front, rating_technical="7", rating_tests="", units_failed=151, lessons=""
        ),
    )
    assert sent.status_code == 200
    rate = "Rate it from 1 (poor) to 5 (excellent)."
    assert errors_of(sent, "rating_technical") == [rate]
    assert errors_of(sent, "rating_tests") == [rate]
    assert errors_of(sent, "units_failed") == ["Between 0 and the 150 units received."]
    assert errors_of(sent, "lessons") == ["This field is required."]
    assert not FieldReport.objects.exists()


def test_the_service_refuses_ratings_out_of_range(front, received):
    with pytest.raises(ApplicationError) as refused:
        file_report(front, received, ratings={**RATINGS, "delivery": 0})
    assert refused.value.field == "rating_delivery"
    with pytest.raises(ApplicationError) as refused:
        file_report(front, received, ratings={**RATINGS, "price": 5})
    assert refused.value.field == "ratings"
    with pytest.raises(ApplicationError) as refused:
        file_report(front, received, units_lost=151)
    assert refused.value.field == "units_lost"
    assert not FieldReport.objects.exists()


def test_the_report_page_files_it_with_documents(front, received, client_for):
    browser = client_for(front.enduser)
    assert file_url(received) in html_of(browser.get(received.get_absolute_url()))
    sent = browser.post(
        file_url(received), report_form(front, document_1=pdf("field-photos.pdf"))
    )
    assert sent.status_code == 302
    report = FieldReport.objects.get()
    assert sent["Location"] == reverse("procurement:field_report", args=[report.pk])
    assert Attachment.objects.get(original_name="field-photos.pdf").subject == report


def test_the_secretariat_reads_everything(people, front, received, client_for):
    report = file_report(front, received)
    page = html_of(
        client_for(people.procurement).get(
            reverse("procurement:field_report", args=[report.pk])
        )
    )
    for text in (LESSONS, SENSITIVE, front.unit.name, str(front.enduser)):
        assert text in page


def test_the_manufacturer_reads_its_reports_without_who_filed_them(
    contract, front, received, client_for
):
    _contract, rep = contract
    report = file_report(front, received)
    browser = client_for(rep)
    detail = html_of(browser.get(reverse("procurement:field_report", args=[report.pk])))
    assert LESSONS in detail and SENSITIVE in detail
    listing = html_of(browser.get(reverse("procurement:field_report_list")))
    batch_page = html_of(browser.get(received.get_absolute_url()))
    for page in (detail, listing, batch_page):
        assert front.unit.name not in page
        assert str(front.enduser) not in page
        assert front.enduser.username not in page
    assert "Kramatorsk" not in batch_page


def test_another_manufacturer_sees_nothing(bidders, front, received, client_for):
    (_m, _rep_lv), (_m2, rep_gb) = bidders
    report = file_report(front, received)
    browser = client_for(rep_gb)
    url = reverse("procurement:field_report", args=[report.pk])
    assert browser.get(url).status_code == 404
    listing = browser.get(reverse("procurement:field_report_list"))
    assert listing.context["reports"] == []
    assert listing.context["summaries"] == []
    assert "SIA Baltic UAV" not in html_of(listing)


def test_other_states_liaisons_read_only_counts_and_averages(
    people, front, received, client_for
):
    report = file_report(front, received)
    file_report(
        front,
        received,
        who=front.enduser_same_unit,
        ratings={**RATINGS, "technical": 2},
        lessons="Second report",
    )
    browser = client_for(people.liaison_jp)
    assert (
        browser.get(reverse("procurement:field_report", args=[report.pk])).status_code
        == 404
    )
    listing = browser.get(reverse("procurement:field_report_list"))
    assert listing.status_code == 200
    html = html_of(listing)
    assert "SIA Baltic UAV" in html
    for secret in (LESSONS, SENSITIVE, "Motor overheating", front.unit.name):
        assert secret not in html
    (summary, _row) = listing.context["summaries"][0]
    assert summary.reports == 2
    assert summary.ratings["technical"] == 3.0
    assert summary.units_lost == 4
    assert listing.context["reports"] == []


def test_ukraines_end_users_read_their_states_reports(front, received):
    file_report(front, received)
    assert selectors.field_reports_for(front.enduser_other_unit).count() == 1


def test_outsiders_read_nothing(people, front, received, client_for):
    file_report(front, received)
    assert (
        client_for(people.outsider)
        .get(reverse("procurement:field_report_list"))
        .status_code
        == 403
    )


def test_the_list_costs_the_same_with_more_reports(
    people, contract, front, client_for, django_assert_max_num_queries
):
    contract, rep = contract
    for milestone in (1, 2):
        batch = accepted_batch(people, contract, rep, milestone=milestone, quantity=50)
        receive(front, batch)
        for _ in range(3):
            file_report(front, batch, units_failed=1, units_lost=1)
    for who in (people.procurement, front.enduser, rep, people.liaison_jp):
        browser = client_for(who)
        with django_assert_max_num_queries(10):
            page = browser.get(reverse("procurement:field_report_list"))
        assert page.status_code == 200


def test_the_api_files_a_report_once_the_batch_is_received(
    contract, front, batch, api_for
):
    api = api_for(front.enduser)
    body = {
        "delivery": batch.pk,
        "unit": front.unit.pk,
        "ratings": RATINGS,
        "units_failed": 1,
        "lessons": LESSONS,
    }
    early = api.post("/api/field-reports/", body, format="json")
    assert early.status_code == 409
    assert "has not been received yet" in str(early.json())
    receive(front, batch)
    wrong = {**body, "ratings": {**RATINGS, "technical": 9}, "units_lost": 151}
    answer = api.post("/api/field-reports/", wrong, format="json")
    assert answer.status_code == 400
    assert set(answer.json()) >= {"rating_technical", "units_lost"}
    assert not FieldReport.objects.exists()
    answer = api.post("/api/field-reports/", body, format="json")
    assert answer.status_code == 201, answer.content
    _contract, rep = contract
    seen = api_for(rep).get(f"/api/field-reports/{answer.json()['id']}/").json()
    assert seen["lessons"] == LESSONS
    assert not {"unit", "unit_name", "filed_by"} & set(seen)
