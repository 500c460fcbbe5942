"""Logs: a request id on every line, from the request into the tasks it queued;
JSON lines in production, plain ones in development."""

import io
import json
import logging
import os

import pytest
from django.urls import reverse

from secretariat.celery import app as celery_app
from secretariat.kernel import request_log
from secretariat.kernel.queueing import hand_off
from secretariat.reports.tasks import build_report, requeue_stale_reports
from tests.conftest import _reset_celery_pools


@pytest.fixture
def json_logs():
    """Every log line, formatted as production writes it (JSON, with the
    request context)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(request_log.json_formatter())
    handler.addFilter(request_log.RequestContextFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)

    def lines():
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield lines
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.mark.django_db
def test_a_request_and_the_task_it_queued_log_the_same_request_id(
    client_for, people, json_logs, django_capture_on_commit_callbacks
):
    browser = client_for(people.finance)
    # The task is queued at the commit, here once the request is over: its ids
    # come with it in its headers, not from the request still being served.
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            reverse("report_list"),
            {"kind": "ledger", "format": "csv"},
            HTTP_X_REQUEST_ID="req-abc-123",
        )
    assert request_log.current_request_id() is None
    assert response.status_code == 302
    assert response["X-Request-ID"] == "req-abc-123"
    lines = json_logs()
    [request_line] = [
        line
        for line in lines
        if line["logger"] == "secretariat.requests" and "/reports/" in line["message"]
    ]
    [task_line] = [
        line
        for line in lines
        if line["logger"] == "secretariat.tasks"
        and build_report.name in line["message"]
    ]
    assert request_line["request_id"] == task_line["request_id"] == "req-abc-123"
    assert request_line["user_id"] == task_line["user_id"] == people.finance.pk
    assert request_line["level"] == "INFO" and request_line["time"]


@pytest.mark.django_db
def test_an_unlikely_request_id_is_replaced(client, json_logs):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="<script>" + "x" * 100)
    given = response["X-Request-ID"]
    assert given and "<" not in given and len(given) == 32
    assert client.get("/healthz")["X-Request-ID"] != given  # one per request
    assert any(line["request_id"] == given for line in json_logs())


@pytest.fixture
def redis_broker():
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs REDIS_URL (a Redis server)")
    import redis

    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.broker_url)
    conf.task_always_eager, conf.broker_url = False, url
    _reset_celery_pools()
    client = redis.Redis.from_url(url)
    client.delete("celery")
    yield client
    client.delete("celery")
    conf.task_always_eager, conf.broker_url = saved
    _reset_celery_pools()


@pytest.mark.django_db
@pytest.mark.xdist_group("redis")  # the real Redis, one test at a time
def test_a_queued_task_carries_the_ids_in_its_message_headers(redis_broker, json_logs):
    """What a worker receives: the message in Redis has the ids in its headers,
    and a task run from those headers (outside any request) logs them."""
    request_id = request_log._request_id.set("req-for-the-worker")
    user_id = request_log._user_id.set(7)
    try:
        assert hand_off(requeue_stale_reports)
    finally:
        request_log._user_id.reset(user_id)
        request_log._request_id.reset(request_id)
    message = json.loads(redis_broker.lpop("celery"))
    assert message["headers"]["request_id"] == "req-for-the-worker"
    assert message["headers"]["user_id"] == 7

    assert request_log.current_request_id() is None  # as in a worker
    requeue_stale_reports.apply(headers=message["headers"])  # runs it here
    started = next(
        line for line in json_logs() if line["logger"] == "secretariat.tasks"
    )
    assert started["request_id"] == "req-for-the-worker"
    assert started["user_id"] == 7
    assert request_log.current_request_id() is None  # put back after the task


def test_development_logs_are_plain_lines_and_production_logs_json():
    from django.conf import settings

    formatter = settings.LOGGING["handlers"]["console"]["formatter"]
    assert formatter == ("plain" if settings.LOG_FORMAT == "plain" else "json")
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "hello %s", ("you",), None
    )
    request_log.RequestContextFilter().filter(record)
    plain = logging.Formatter(settings.LOGGING["formatters"]["plain"]["format"])
    assert plain.format(record).endswith("x [-] hello you")
    assert (
        json.loads(request_log.json_formatter().format(record))["message"]
        == "hello you"
    )
