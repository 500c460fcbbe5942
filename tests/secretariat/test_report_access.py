"""Who may ask for which report and who may download it; the reports page, the
API, the build's progress and claim, the monthly statements, and the streaming
ledger export."""

import csv
import datetime as dt
import io
import re
import threading
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from secretariat.fund.models import LedgerEntry, LedgerKind, Pool, PoolKind
from secretariat.kernel.exceptions import ConflictError
from secretariat.kernel.roles import Role
from secretariat.notifications.models import Notification
from secretariat.reports import services
from secretariat.reports import tasks as reports_tasks
from secretariat.reports.models import Report, ReportStatus, ReportSubscription
from tests.conftest import refresh
from tests.factories import UserFactory
from tests.secretariat import report_fixtures
from tests.secretariat.report_fixtures import (
    HYPERLINK,
    TODAY,
    build,
    content_of,
    money,
)

money_in = report_fixtures.money_in

pytestmark = pytest.mark.django_db
KINDS = [
    "fund_statement", "tender_pipeline", "deliveries", "onboarding", "ledger",
    "requirements",
]  # fmt: skip
STAFF = ["officer", "procurement", "finance", "approver_lv", "approver_uk", "admin"]
REFUSED = ["manufacturer", "evaluator", "outsider"]
LIAISON_KINDS = {"fund_statement", "onboarding"}


# ==================================================================== asking


@pytest.mark.parametrize("kind", KINDS)
def test_who_may_ask_for_each_report(people, kind):
    for name in STAFF:
        report = services.report_request(
            actor=getattr(people, name), kind=kind, format="csv"
        )
        assert report.scope is None, name
        assert report.status == ReportStatus.QUEUED
    for name in ["liaison_jp", "liaison_lv"]:
        liaison = getattr(people, name)
        if kind in LIAISON_KINDS:
            report = services.report_request(actor=liaison, kind=kind, format="pdf")
            assert report.scope == liaison.member_state
        else:
            with pytest.raises(PermissionDenied):
                services.report_request(actor=liaison, kind=kind, format="pdf")
    for name in REFUSED:
        with pytest.raises(PermissionDenied):
            services.report_request(
                actor=getattr(people, name), kind=kind, format="csv"
            )


def test_unknown_kind_or_format_is_refused(people):
    from secretariat.kernel.exceptions import ApplicationError

    with pytest.raises(ApplicationError) as error:
        services.report_request(actor=people.officer, kind="salaries", format="csv")
    assert error.value.field == "kind"
    with pytest.raises(ApplicationError) as error:
        services.report_request(actor=people.officer, kind="ledger", format="docx")
    assert error.value.field == "format"


def test_too_many_pending_reports_are_refused(people):
    for _ in range(services.MAX_PENDING_PER_PERSON):
        services.report_request(actor=people.finance, kind="ledger", format="csv")
    with pytest.raises(ConflictError, match="wait until one is ready"):
        services.report_request(actor=people.finance, kind="ledger", format="csv")


# ==================================================================== building


def test_build_reaches_100_and_notifies_the_requester(people, money_in):
    report = build(people.finance, "ledger", "csv")
    assert report.row_count == LedgerEntry.objects.count()
    assert report.started_at <= report.finished_at
    assert report.size == len(content_of(report))
    assert report.file.name.startswith("reports/")
    assert report.file.name.endswith(".csv")
    # The stored name is ours: no kind, no person, nothing guessable.
    assert re.fullmatch(r"reports/\d{4}/\d{2}/[0-9a-f]{32}\.csv", report.file.name)
    (note,) = Notification.objects.filter(recipient=people.finance, kind="report_ready")
    assert note.title == "Your report is ready: Ledger export (CSV)"
    assert note.url == reverse("report_list")


def test_progress_is_saved_while_building(people, money_in, monkeypatch):
    seen = []
    real_save = services._Progress.save

    def spy(self):
        real_save(self)
        seen.append(Report.objects.get(pk=self.report_id).progress)

    monkeypatch.setattr(services, "PROGRESS_EVERY", 2)
    monkeypatch.setattr(services._Progress, "save", spy)
    report = build(people.finance, "ledger", "xlsx")
    assert seen == sorted(seen)
    assert seen and 0 < seen[0] < 100
    assert all(p <= 99 for p in seen)
    assert refresh(report).progress == 100


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_progress_is_committed_while_the_build_runs(monkeypatch):
    """As in the worker (autocommit): another connection, like the reports page,
    sees the progress while the rows are still being written. The test makes its
    own rows: a transactional test may start after another one emptied the
    tables."""
    Group.objects.get_or_create(name=Role.FINANCE_OFFICER)
    finance = UserFactory(username="finance-live", roles=[Role.FINANCE_OFFICER])
    pool = Pool.objects.create(
        code="live-progress", name="Live progress", kind=PoolKind.UNRESTRICTED,
        received=Decimal("100.00"),
    )  # fmt: skip
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            pool=pool,
            kind=LedgerKind.CONTRIBUTION,
            amount_eur=Decimal("10.00"),
            memo=f"Entry {n}",
            created_by=finance,
            value_date=timezone.localdate(),  # bulk_create skips save()
        )
        for n in range(10)
    )
    seen = []
    real_save = services._Progress.save

    def read_from_another_connection(report_id):
        def read():
            try:
                seen.append(Report.objects.get(pk=report_id).progress)
            finally:
                connection.close()

        reader = threading.Thread(target=read)
        reader.start()
        reader.join()

    def spy(self):
        real_save(self)
        read_from_another_connection(self.report_id)

    monkeypatch.setattr(services, "PROGRESS_EVERY", 3)
    monkeypatch.setattr(services._Progress, "save", spy)
    report = Report.objects.create(kind="ledger", format="csv", requested_by=finance)
    assert services.report_build(report.pk).status == ReportStatus.DONE
    assert seen == [30, 60, 90]
    assert refresh(report).progress == 100
    assert refresh(report).row_count == 10


def test_a_build_run_twice_builds_once(people, money_in):
    report = services.report_request(actor=people.finance, kind="ledger", format="csv")
    assert reports_tasks.build_report(report.pk) == ReportStatus.DONE
    first = refresh(report).file.name
    assert reports_tasks.build_report(report.pk) is None
    assert refresh(report).file.name == first
    assert (
        Notification.objects.filter(
            recipient=people.finance, kind="report_ready"
        ).count()
        == 1
    )


def test_a_report_whose_reader_lost_access_fails(people):
    report = services.report_request(
        actor=people.liaison_lv, kind="fund_statement", format="csv"
    )
    people.liaison_lv.groups.clear()
    built = services.report_build(report.pk)
    assert built.status == ReportStatus.FAILED
    assert "no longer" in built.error
    assert not built.file


def test_a_failing_build_is_recorded_not_raised(people, monkeypatch):
    report = services.report_request(actor=people.finance, kind="ledger", format="csv")

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.writers, "write", broken)
    built = services.report_build(report.pk)
    assert built.status == ReportStatus.FAILED
    assert built.error == "The report could not be built; ask for it again."


def test_stale_reports_are_queued_again_or_failed(people):
    old = timezone.now() - dt.timedelta(hours=2)
    queued = services.report_request(actor=people.finance, kind="ledger", format="csv")
    Report.objects.filter(pk=queued.pk).update(created_at=old)
    lost = services.report_request(actor=people.finance, kind="ledger", format="pdf")
    Report.objects.filter(pk=lost.pk).update(
        status=ReportStatus.RUNNING, started_at=old
    )
    fresh = services.report_request(actor=people.finance, kind="ledger", format="xlsx")
    assert services.reports_requeue_stale() == 1
    assert refresh(lost).status == ReportStatus.FAILED
    assert refresh(fresh).status == ReportStatus.QUEUED


# ==================================================================== monthly


def test_monthly_statements_notify_subscribers_once(people, money_in):
    services.report_subscribe(actor=people.finance, kind="fund_statement", format="csv")
    services.report_subscribe(
        actor=people.liaison_lv, kind="fund_statement", format="pdf"
    )
    services.report_subscribe(actor=people.officer, kind="onboarding", format="xlsx")
    # A subscription whose owner has lost the right to the report is skipped.
    ReportSubscription.objects.create(
        user=people.manufacturer, kind="ledger", format="csv"
    )
    month = services.previous_month()
    created = services.monthly_statements_build(month)
    assert len(created) == 3
    for report in created:  # the worker
        assert services.report_build(report.pk).status == ReportStatus.DONE
    lv = Report.objects.get(subscriber=people.liaison_lv)
    assert lv.period == month
    assert lv.requested_by is None
    assert lv.scope == people.liaison_lv.member_state
    for person in [people.finance, people.liaison_lv, people.officer]:
        note = Notification.objects.get(recipient=person, kind="report_ready")
        assert f"{month:%B %Y}" in note.body
    assert not Notification.objects.filter(recipient=people.manufacturer).exists()

    # Run again (beat fired twice, or a retry): nothing new is built or sent.
    assert services.monthly_statements_build(month) == []
    assert reports_tasks.build_monthly_statements() == 0
    assert Report.objects.filter(period=month).count() == 3
    for report in created:
        assert services.report_build(report.pk) is None
    assert Notification.objects.filter(kind="report_ready").count() == 3


def test_monthly_task_builds_for_the_month_just_ended(people):
    services.report_subscribe(actor=people.finance, kind="ledger", format="csv")
    assert reports_tasks.build_monthly_statements() == 1
    report = Report.objects.get()
    assert report.period == services.previous_month()
    assert report.period < timezone.localdate().replace(day=1)
    assert reports_tasks.build_monthly_statements() == 0


def test_subscribing_is_checked_and_idempotent(people):
    first = services.report_subscribe(
        actor=people.liaison_jp, kind="onboarding", format="pdf"
    )
    again = services.report_subscribe(
        actor=people.liaison_jp, kind="onboarding", format="pdf"
    )
    assert first == again
    with pytest.raises(PermissionDenied):
        services.report_subscribe(actor=people.liaison_jp, kind="ledger", format="pdf")
    with pytest.raises(PermissionDenied):
        services.report_unsubscribe(actor=people.officer, subscription=first)
    services.report_unsubscribe(actor=people.liaison_jp, subscription=first)
    assert not ReportSubscription.objects.exists()


def test_the_schedule_runs_monthly_on_the_first(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["build-monthly-statements"]
    assert entry["task"] == "secretariat.reports.tasks.build_monthly_statements"
    schedule = entry["schedule"]
    assert schedule.day_of_month == {1}
    assert schedule.hour == {6}
    assert schedule.minute == {0}


# ==================================================================== download


def test_only_the_requester_downloads_a_report(people, client_for, money_in):
    report = build(people.finance, "ledger", "csv")
    url = reverse("report_download", args=[report.pk])
    response = client_for(people.finance).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"ledger-{TODAY:%Y-%m-%d}.csv" in response["Content-Disposition"]
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content)
    assert body == content_of(report)
    for name in ["officer", "approver_lv", "liaison_lv", "outsider", "admin"]:
        response = client_for(getattr(people, name)).get(url)
        assert response.status_code == 404, name


def test_a_subscriber_downloads_their_monthly_statement(people, client_for, money_in):
    services.report_subscribe(
        actor=people.liaison_lv, kind="fund_statement", format="xlsx"
    )
    (report,) = services.monthly_statements_build(services.previous_month())
    services.report_build(report.pk)
    url = reverse("report_download", args=[report.pk])
    response = client_for(people.liaison_lv).get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client_for(people.finance).get(url).status_code == 404


def test_a_report_is_not_downloadable_before_it_is_ready(people, client_for):
    report = services.report_request(actor=people.finance, kind="ledger", format="csv")
    url = reverse("report_download", args=[report.pk])
    assert client_for(people.finance).get(url).status_code == 404


def test_a_liaison_who_lost_the_role_cannot_download(people, client_for, money_in):
    report = build(people.liaison_lv, "fund_statement", "csv")
    url = reverse("report_download", args=[report.pk])
    assert client_for(people.liaison_lv).get(url).status_code == 200
    people.liaison_lv.groups.clear()
    assert client_for(refresh(people.liaison_lv)).get(url).status_code == 404


def test_a_liaison_of_another_state_cannot_download_an_old_copy(
    people, client_for, money_in, uk
):
    report = build(people.liaison_lv, "fund_statement", "csv")
    people.liaison_lv.member_state = uk
    people.liaison_lv.save()
    url = reverse("report_download", args=[report.pk])
    assert client_for(refresh(people.liaison_lv)).get(url).status_code == 404


def test_anonymous_download_goes_to_login(client, people, money_in):
    report = build(people.finance, "ledger", "csv")
    response = client.get(reverse("report_download", args=[report.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


# ==================================================================== the page


def test_reports_page_asks_builds_and_shows_progress(
    people, client_for, money_in, django_capture_on_commit_callbacks
):
    client = client_for(people.liaison_lv)
    page = client.get(reverse("report_list"))
    assert page.status_code == 200
    html = page.content.decode()
    # A liaison is offered the reports of their own state only.
    assert 'value="fund_statement"' in html
    assert 'value="onboarding"' in html
    assert 'value="ledger"' not in html
    # Scripts only from files (htmx, app.js): nothing inline.
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "Refresh" not in page

    with django_capture_on_commit_callbacks() as queued:
        response = client.post(
            reverse("report_list"), {"kind": "fund_statement", "format": "csv"}
        )
    assert response.status_code == 302
    # The build is queued once the request's transaction commits.
    assert len(queued) == 1
    report = Report.objects.get(requested_by=people.liaison_lv)
    assert report.scope == people.liaison_lv.member_state
    page = client.get(reverse("report_list"))
    assert page["Refresh"] == "5"
    html = page.content.decode()
    assert '<progress max="100" value="0"' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)

    services.report_build(report.pk)  # the worker
    page = client.get(reverse("report_list"))
    assert "Refresh" not in page
    assert reverse("report_download", args=[report.pk]) in page.content.decode()


def test_refused_choice_is_shown_on_the_form(people, client_for):
    client = client_for(people.liaison_lv)
    response = client.post(reverse("report_list"), {"kind": "ledger", "format": "csv"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Report.objects.exists()


@pytest.mark.parametrize("name", REFUSED)
def test_reports_page_refuses_those_without_reports(people, client_for, name):
    client = client_for(getattr(people, name))
    assert client.get(reverse("report_list")).status_code == 403
    response = client.post(reverse("report_list"), {"kind": "ledger", "format": "csv"})
    assert response.status_code == 403
    assert not Report.objects.exists()
    start = client.get(reverse("start"), follow=True).content.decode()
    assert reverse("report_list") not in start


def test_nav_links_to_reports_for_those_allowed(people, client_for):
    page = client_for(people.liaison_jp).get(reverse("report_list"))
    assert f'href="{reverse("report_list")}"' in page.content.decode()


def test_page_lists_only_the_users_own_reports(people, client_for):
    mine = services.report_request(actor=people.finance, kind="ledger", format="csv")
    theirs = services.report_request(actor=people.officer, kind="ledger", format="pdf")
    pending = services.report_request(actor=people.officer, kind="ledger", format="csv")
    services.report_build(mine.pk)
    services.report_build(theirs.pk)
    html = client_for(people.finance).get(reverse("report_list")).content.decode()
    assert reverse("report_download", args=[mine.pk]) in html
    assert reverse("report_download", args=[theirs.pk]) not in html
    assert "<progress" not in html  # the pending one is the officer's
    assert refresh(pending).status == ReportStatus.QUEUED


def test_subscriptions_on_the_page(people, client_for):
    client = client_for(people.officer)
    response = client.post(
        reverse("report_subscribe"),
        {"subscribe-kind": "fund_statement", "subscribe-format": "pdf"},
    )
    assert response.status_code == 302
    subscription = ReportSubscription.objects.get(user=people.officer)
    html = client.get(reverse("report_list")).content.decode()
    assert reverse("report_unsubscribe", args=[subscription.pk]) in html
    other = client_for(people.finance)
    url = reverse("report_unsubscribe", args=[subscription.pk])
    assert other.post(url).status_code == 404
    client = client_for(people.officer)
    assert client.post(url).status_code == 302
    assert not ReportSubscription.objects.exists()


def test_reports_page_query_budget(people, client_for, django_assert_max_num_queries):
    for kind in ["ledger", "fund_statement", "onboarding"]:
        services.report_request(actor=people.officer, kind=kind, format="csv")
    client = client_for(people.officer)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("report_list")).status_code == 200


# ==================================================================== the API


def test_api_create_poll_and_download(people, api_for, money_in):
    api = api_for(people.finance)
    response = api.post(
        "/api/reports/", {"kind": "ledger", "format": "xlsx"}, format="json"
    )
    assert response.status_code == 201, response.data
    pk = response.data["id"]
    assert response.data["status"] == "queued"
    assert response.data["download_url"] is None
    services.report_build(pk)  # the worker
    detail = api.get(f"/api/reports/{pk}/").data
    assert (detail["status"], detail["progress"]) == ("done", 100)
    assert detail["row_count"] == LedgerEntry.objects.count()
    assert detail["download_url"].endswith(f"/api/reports/{pk}/download/")
    download = api.get(f"/api/reports/{pk}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == content_of(Report.objects.get())
    listed = api.get("/api/reports/").data["results"]
    assert [r["id"] for r in listed] == [pk]


def test_api_scopes_and_refusals(people, api_for, money_in):
    report = build(people.finance, "ledger", "csv")
    other = api_for(people.officer)
    assert other.get(f"/api/reports/{report.pk}/").status_code == 404
    assert other.get(f"/api/reports/{report.pk}/download/").status_code == 404
    assert other.get("/api/reports/").data["results"] == []
    liaison = api_for(people.liaison_jp)
    response = liaison.post(
        "/api/reports/", {"kind": "ledger", "format": "csv"}, format="json"
    )
    assert response.status_code == 403
    response = liaison.post(
        "/api/reports/", {"kind": "onboarding", "format": "csv"}, format="json"
    )
    assert response.status_code == 201
    assert response.data["scope"] == "JP"
    for name in REFUSED:
        api = api_for(getattr(people, name))
        assert api.get("/api/reports/").status_code == 403
        response = api.post(
            "/api/reports/", {"kind": "ledger", "format": "csv"}, format="json"
        )
        assert response.status_code == 403
    bad = api_for(people.finance).post(
        "/api/reports/", {"kind": "ledger", "format": "docx"}, format="json"
    )
    assert bad.status_code == 400
    assert "format" in bad.data


def test_api_subscriptions(people, api_for):
    api = api_for(people.liaison_lv)
    response = api.post(
        "/api/report-subscriptions/",
        {"kind": "fund_statement", "format": "pdf"},
        format="json",
    )
    assert response.status_code == 201, response.data
    pk = response.data["id"]
    assert api.get("/api/report-subscriptions/").data[0]["kind"] == "fund_statement"
    refused = api.post(
        "/api/report-subscriptions/", {"kind": "ledger", "format": "pdf"}, format="json"
    )
    assert refused.status_code == 403
    assert (
        api_for(people.officer).delete(f"/api/report-subscriptions/{pk}/").status_code
        == 404
    )
    assert api.delete(f"/api/report-subscriptions/{pk}/").status_code == 204


# ==================================================================== streaming


def test_ledger_streams_to_finance(people, client_for, money_in):
    response = client_for(people.finance).get(reverse("ledger_export"))
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"].startswith('attachment; filename="ledger-')
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(body)))
    assert header[:5] == ["Recorded", "Entry", "Pool", "Kind", "Amount (EUR)"]
    entries = list(LedgerEntry.objects.order_by("created_at", "id"))
    assert [int(row[1]) for row in rows] == [e.pk for e in entries]
    assert [money(row[4]) for row in rows] == [e.amount_eur for e in entries]
    assert "'" + HYPERLINK in {row[11] for row in rows}


@pytest.mark.parametrize("name", ["officer", "procurement", "liaison_lv", "outsider"])
def test_ledger_stream_is_for_finance_only(people, client_for, name):
    response = client_for(getattr(people, name)).get(reverse("ledger_export"))
    assert response.status_code == 403


def test_ledger_stream_reads_in_chunks(people, client_for, money_in, monkeypatch):
    """Rows are written as read: the generator is consumed lazily."""
    from secretariat.reports import sources, writers

    calls = []
    real = sources.ledger_rows

    def spy(entries):
        for row in real(entries):
            calls.append(row[1])
            yield row

    monkeypatch.setattr(sources, "ledger_rows", spy)
    # Rows go out in batches (500 by default); one per batch shows the laziness.
    monkeypatch.setattr(writers, "STREAM_BATCH", 1)
    # Python's writer (PostgreSQL's COPY path: tests/secretariat/test_ledger_export.py).
    monkeypatch.setattr(writers, "COPY_VENDORS", frozenset())
    response = client_for(people.finance).get(reverse("ledger_export"))
    stream = iter(response.streaming_content)
    next(stream)  # the header
    assert calls == []
    next(stream)
    assert len(calls) == 1
    rest = list(stream)
    assert len(rest) == len(calls) - 1 == LedgerEntry.objects.count() - 1


def test_ledger_page_links_to_the_export_for_finance(people, client_for):
    url = reverse("ledger_export")
    assert url in client_for(people.finance).get(reverse("ledger")).content.decode()
    page = client_for(people.officer).get(reverse("ledger")).content.decode()
    assert url not in page
