"""The platform promises: health check, production settings, OpenAPI schema,
case references, sign-in landings, and the demo seed."""

import os
import secrets
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from members.models import (
    Contribution,
    MemberState,
    OnboardingCase,
    OnboardingStep,
    Pledge,
)
from procurement.models import Tender
from secretariat.accounts.models import User
from secretariat.accounts.twofactor import role_requires
from secretariat.fund.models import Pool
from secretariat.kernel.models import (
    Attachment,
    CapabilityCategory,
    Case,
    CaseKind,
    ExchangeRate,
    TimelineEvent,
)
from secretariat.kernel.services import next_case_reference
from tests.twofactor import enrol, sign_in

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    # DEBUG is set explicitly: a development .env file would otherwise turn it on.
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    base["DEBUG"] = "off"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deploy_check_passes_with_production_settings():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="secretariat.example.org",
        BID_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", ALLOWED_HOSTS="secretariat.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_refuses_to_start_without_bid_keys():
    result = run_manage(
        "check", SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="secretariat.example.org",
    )  # fmt: skip
    assert result.returncode != 0
    assert "BID_ENCRYPTION_KEYS must be set when DEBUG is off" in result.stderr


def test_openapi_schema_validates_without_warnings(tmp_path):
    out = str(tmp_path / "s.yml")
    result = run_manage(
        "spectacular", "--validate", "--fail-on-warn", "--file", out, DEBUG="on"
    )
    assert result.returncode == 0, result.stderr
    schema = (tmp_path / "s.yml").read_text()
    for path in [
        "/api/member-states/",
        "/api/onboarding-cases/",
        "/api/pledges/",
        "/api/contributions/",
        "/api/onboarding-steps/{id}/complete/",
    ]:
        assert path in schema


@pytest.mark.django_db
def test_api_docs_are_served_without_internet(client, django_user_model):
    client.force_login(django_user_model.objects.create(username="reader"))
    page = client.get(reverse("api_docs")).content.decode()
    assert "swagger-ui" in page
    assert "http://" not in page.replace("http://testserver", "")
    assert "https://" not in page


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["status"] == "ok"
    assert body["broker"]  # "ok", "eager ..." or "unavailable: ...": never fatal


@pytest.mark.django_db
def test_healthz_survives_an_unreachable_broker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"].startswith("unavailable")


@pytest.mark.django_db
def test_case_references_count_per_kind_and_year():
    assert next_case_reference(kind=CaseKind.ONBOARDING, year=2025) == "ONB-2025-0001"
    assert next_case_reference(kind=CaseKind.ONBOARDING, year=2025) == "ONB-2025-0002"
    assert next_case_reference(kind=CaseKind.TENDER, year=2025) == "TND-2025-0001"
    assert next_case_reference(kind=CaseKind.ONBOARDING, year=2026) == "ONB-2026-0001"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "overview"),
    [
        ("officer", 'class="overview overview-staff"'),
        ("finance", 'class="overview overview-staff"'),
        ("approver_lv", 'class="overview overview-staff"'),
        ("liaison_jp", 'href="/members/JP/"'),
        ("liaison_lv", 'href="/members/LV/"'),
        ("manufacturer", None),  # a representative bound to no company yet
        ("outsider", None),
    ],
)
def test_each_role_lands_on_its_start_page(client, people, password, who, overview):
    """Everyone lands on "Waiting for you", then their role's overview (none
    for a person without a role)."""
    user = getattr(people, who)
    if role_requires(user):
        enrol(user)
    start = sign_in(client, user, password)
    assert start.status_code == 200
    page = start.content.decode()
    assert "Waiting for you (" in page
    if overview:
        assert overview in page
    else:
        assert 'class="overview' not in page


@pytest.mark.django_db
def test_wrong_password_is_refused(client, people):
    response = client.post(
        reverse("login"), {"username": "officer", "password": "not-the-password"}
    )
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


@pytest.mark.django_db
def test_password_change_and_reset_pages(client, people):
    assert client.get(reverse("password_reset")).status_code == 200
    client.force_login(people.officer)
    assert client.get(reverse("password_change")).status_code == 200


@pytest.mark.django_db
def test_seed_demo_loads_the_coalition_and_is_idempotent():
    call_command("seed_demo", verbosity=0)

    def snapshot():
        return {
            "members": sorted(
                MemberState.objects.values_list("country", "status", "is_co_lead")
            ),
            "users": sorted(User.objects.values_list("username", flat=True)),
            "pledges": sorted(
                Pledge.objects.values_list("member_state__country", "year", "status")
            ),
            "contributions": Contribution.objects.count(),
            "cases": sorted(Case.objects.values_list("reference", "status")),
            "events": TimelineEvent.objects.count(),
            "attachments": Attachment.objects.count(),
            "steps": sorted(OnboardingStep.objects.values_list("kind", "completed_at")),
            "rates": ExchangeRate.objects.count(),
            "categories": sorted(
                CapabilityCategory.objects.values_list("code", "lethality")
            ),
            "pools": sorted(Pool.objects.values_list("code", "received")),
        }

    first = snapshot()
    call_command("seed_demo", verbosity=0)
    assert snapshot() == first

    members = {code: (status, co_lead) for code, status, co_lead in first["members"]}
    assert len([m for m in members.values() if m[0] == "member"]) == 20
    assert {code for code, (_s, co_lead) in members.items() if co_lead} == {"LV", "GB"}
    japan = MemberState.objects.get(country="JP")
    assert japan.status == "considering"
    assert japan.participation_scope == "non_lethal"
    assert OnboardingCase.objects.get(member_state=japan).case.reference == (
        "ONB-2025-0001"
    )
    latvia_2024 = Pledge.objects.get(member_state__country="LV", year=2024)
    assert latvia_2024.amount.amount == 20_000_000
    assert not latvia_2024.illustrative
    assert latvia_2024.contributions.get().amount.amount == 5_000_000
    assert Pledge.objects.filter(illustrative=True).exists()
    # A demo tender open for the `maker` login's bid.
    tender = Tender.objects.get(status="tendering")
    assert tender.lots.get().max_unit_price == Decimal("6000.00")
    assert tender.submission_deadline > timezone.now()
    assert (
        not Pledge.objects.filter(illustrative=False)
        .exclude(member_state__country="LV")
        .exists()
    )
