"""Bad input is refused with a specific message next to the field (forms) or in
the response body (API), and nothing is saved."""

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members import services
from members.models import Contribution, MemberStatus, OnboardingCase, Pledge
from secretariat.kernel.exceptions import ApplicationError
from secretariat.kernel.models import Attachment
from tests.files import PDF_BYTES, fake_pdf, pdf

pytestmark = pytest.mark.django_db

BAD_AMOUNTS = [
    ("-5", "EUR", "The amount must be greater than zero."),
    ("0", "EUR", "The amount must be greater than zero."),
    ("10.001", "EUR", "EUR amounts have at most 2 decimal places."),
    ("100.5", "JPY", "JPY amounts have no decimal places."),
    ("100", "XYZ", "“XYZ” is not a currency the Coalition accepts"),
    ("100", "BTC", "“BTC” is not a currency the Coalition accepts"),
]


def field_of(currency):
    """An unknown currency is the currency's fault; the rest the amount's."""
    return "currency" if currency in {"XYZ", "BTC"} else "amount"


@pytest.fixture
def engaged_japan(people, japan):
    japan.status = MemberStatus.CONSIDERING
    japan.save()
    return japan


@pytest.mark.parametrize(("amount", "currency", "message"), BAD_AMOUNTS)
def test_pledge_service_refuses_bad_money(people, engaged_japan, amount, currency,
                                          message):  # fmt: skip
    with pytest.raises(ApplicationError) as refused:
        services.pledge_record(
            member_state=engaged_japan,
            actor=people.officer,
            year=2026,
            amount=Decimal(amount),
            currency=currency,
            fx_rate=Decimal("160"),
        )
    assert message in refused.value.message
    assert refused.value.field == field_of(currency)
    assert not Pledge.objects.exists()


@pytest.mark.parametrize(("amount", "currency", "message"), BAD_AMOUNTS)
def test_pledge_api_refuses_bad_money(api_for, people, engaged_japan, amount,
                                      currency, message):  # fmt: skip
    response = api_for(people.officer).post(
        "/api/pledges/",
        {"member_state": "JP", "year": 2026, "amount": amount, "currency": currency,
         "earmark": "unrestricted", "fx_rate": "160"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert any(message in error for error in response.json()[field_of(currency)])
    assert not Pledge.objects.exists()


@pytest.mark.parametrize(("amount", "currency", "message"), BAD_AMOUNTS)
def test_pledge_form_refuses_bad_money(client, people, engaged_japan, amount,
                                       currency, message):  # fmt: skip
    client.force_login(people.officer)
    response = client.post(
        reverse("members:pledge_create", args=["JP"]),
        {"year": 2026, "amount": amount, "currency": currency,
         "earmark": "unrestricted", "fx_rate": "160"},
    )  # fmt: skip
    assert response.status_code == 200
    errors = response.context["form"].errors
    if currency in {"XYZ", "BTC"}:
        assert "currency" in errors  # not in the list offered
    else:
        assert any(message in error for error in errors["amount"])
    assert not Pledge.objects.exists()
    # What was typed is kept.
    assert f'value="{amount}"' in response.content.decode()


def test_japanese_pledge_must_respect_the_non_lethal_constraint(
    api_for, people, engaged_japan
):
    engaged_japan.participation_scope = "non_lethal"
    engaged_japan.save()
    response = api_for(people.officer).post(
        "/api/pledges/",
        {"member_state": "JP", "year": 2026, "amount": "1000", "currency": "JPY",
         "earmark": "unrestricted", "fx_rate": "160"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["field"] == "earmark"
    assert "Japan may fund non-lethal capabilities only" in response.json()["detail"]
    response = api_for(people.officer).post(
        "/api/pledges/",
        {"member_state": "JP", "year": 2026, "amount": "1000", "currency": "JPY",
         "earmark": "categories", "earmark_categories": ["strike", "reconnaissance"],
         "fx_rate": "160"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert not Pledge.objects.exists()


def test_pledge_needs_a_recorded_rate_for_foreign_currency(people, engaged_japan):
    with pytest.raises(ApplicationError, match="No EUR exchange rate for JPY"):
        services.pledge_record(
            member_state=engaged_japan,
            actor=people.officer,
            year=2026,
            amount=Decimal("1000"),
            currency="JPY",
        )
    assert not Pledge.objects.exists()


@pytest.fixture
def latvian_pledge(people, latvia):
    return services.pledge_record(
        member_state=latvia,
        actor=people.officer,
        year=2026,
        amount=Decimal("1000.00"),
        currency="EUR",
    )


def test_contribution_in_another_currency_is_refused(api_for, people, latvian_pledge):
    response = api_for(people.finance).post(
        "/api/contributions/",
        {"pledge": latvian_pledge.pk, "amount": "10", "currency": "GBP",
         "received_on": "2026-01-10", "fx_rate": "0.85"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "The pledge is in EUR; record the contribution in EUR."
    )
    assert not Contribution.objects.exists()


def test_contribution_over_the_pledge_is_refused(people, latvian_pledge):
    with pytest.raises(ApplicationError, match=r"more than the EUR 1,000\.00"):
        services.contribution_record(
            pledge=latvian_pledge,
            actor=people.finance,
            amount=Decimal("1000.01"),
            currency="EUR",
            received_on=latvian_pledge.fx_date,
        )
    assert not Contribution.objects.exists()


def test_contributions_update_the_pledge_status(people, latvian_pledge):
    def receive(amount):
        services.contribution_record(
            pledge=latvian_pledge,
            actor=people.finance,
            amount=Decimal(amount),
            currency="EUR",
            received_on=latvian_pledge.fx_date,
        )
        latvian_pledge.refresh_from_db()
        return latvian_pledge.status

    assert latvian_pledge.status == "pledged"
    assert receive("400.00") == "partly_received"
    assert receive("600.00") == "received"
    assert latvian_pledge.received_amount == Decimal("1000.00")


def test_contribution_form_refuses_future_dates(client, people, latvian_pledge):
    client.force_login(people.finance)
    response = client.post(
        reverse("members:contribution_create", args=[latvian_pledge.pk]),
        {"amount": "10", "received_on": "2999-01-01"},
    )
    assert response.context["form"].errors["received_on"] == [
        "The date received cannot be in the future."
    ]
    assert not Contribution.objects.exists()


# ---------------------------------------------------------------- documents


@pytest.fixture
def onboarding(people, japan):
    services.member_transition(
        member_state=japan, to_status="invited", actor=people.officer, reason="r"
    )
    return OnboardingCase.objects.get()


BAD_FILES = [
    (lambda: fake_pdf("letter.pdf"), "does not contain what its name says"),
    (lambda: SimpleUploadedFile("tool.exe", b"MZ\x90\x00"), "are not accepted"),
    (lambda: SimpleUploadedFile("page.html", b"<script>"), "are not accepted"),
    (lambda: SimpleUploadedFile("empty.pdf", b""), "is empty"),
    (lambda: SimpleUploadedFile("notes.txt", b"\x00\x01\x02binary"),
     "is not a plain text file"),
]  # fmt: skip


@pytest.mark.parametrize(("make", "message"), BAD_FILES)
def test_upload_form_refuses_bad_files(client, people, onboarding, make, message):
    client.force_login(people.officer)
    response = client.post(
        reverse("members:document_upload", args=[onboarding.case.reference]),
        {"file": make()},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert any(message in error for error in errors), errors
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(("make", "message"), BAD_FILES)
def test_upload_api_refuses_bad_files(api_for, people, onboarding, make, message):
    response = api_for(people.officer).post(
        f"/api/onboarding-cases/{onboarding.case.reference}/documents/",
        {"file": make()},
        format="multipart",
    )
    assert response.status_code == 400
    assert any(message in error for error in response.json()["file"])
    assert not Attachment.objects.exists()


def test_oversized_upload_is_refused(client, people, onboarding, settings):
    settings.MAX_UPLOAD_SIZE = 1024
    client.force_login(people.officer)
    big = pdf("big.pdf", PDF_BYTES + b"%" * 2048)
    response = client.post(
        reverse("members:document_upload", args=[onboarding.case.reference]),
        {"file": big},
    )
    assert response.context["form"].errors["file"] == [
        "The file is 2.2\xa0KB; the largest accepted is 1.0\xa0KB."
    ]
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.pdf", "..\\..\\boot.pdf", "/etc/cron.d/x.pdf", ".."]
)
def test_service_refuses_a_path_in_a_file_name(people, onboarding, name):
    with pytest.raises(ApplicationError, match=r"contains a path|has no name"):
        services.onboarding_document_upload(
            onboarding=onboarding,
            actor=people.officer,
            uploaded_file=ContentFile(PDF_BYTES, name=name),
        )
    assert not Attachment.objects.exists()


def test_a_path_sent_over_http_never_reaches_the_disk(client, people, onboarding,
                                                      settings):  # fmt: skip
    """Django's multipart parser strips a path from the name before our code sees
    it; the stored name is ours in any case."""
    client.force_login(people.officer)
    body = (
        b'--B\r\nContent-Disposition: form-data; name="file"; '
        b'filename="../../../../tmp/evil.pdf"\r\nContent-Type: application/pdf'
        b"\r\n\r\n" + PDF_BYTES + b"\r\n--B--\r\n"
    )
    response = client.post(
        reverse("members:document_upload", args=[onboarding.case.reference]),
        body,
        content_type="multipart/form-data; boundary=B",
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == "evil.pdf"
    assert attachment.file.name.startswith("attachments/")
    assert ".." not in attachment.file.name
    assert attachment.file.path.startswith(str(settings.MEDIA_ROOT))
