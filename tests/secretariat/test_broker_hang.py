"""A broker that takes connections and never answers (a frozen Redis, a network
partition), and one that is down: a publication that tells hundreds of people
answers at once, says so in one line of the log, and nothing of it is lost or
sent twice once the broker is back (issue 15, item 1)."""

import datetime as dt
import logging
import socket
import threading
import time

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from procurement.models import TenderStatus
from secretariat.kernel.roles import Role
from secretariat.notifications import services as notifications
from secretariat.notifications.models import (
    DeliveryStatus,
    NotificationDelivery,
    NotificationFanOut,
    NotificationKind,
)
from tests.factories import UserFactory
from tests.procurement.helpers import draft_tender, make_manufacturer
from tests.secretariat import test_faults as faults
from tests.secretariat.test_faults import _drain, _run_the_periodic_resend
from tests.secretariat.worker_helpers import celery_publishing_to, sent_message_ids

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

shared_redis = faults.shared_redis
workers = faults.workers
mailbox = faults.mailbox

# The bound for a request whatever the broker does; the wait on the
# broker itself is BROKER_HANDOFF_TIMEOUT (0.5 s), once.
REQUEST_SECONDS = 2


@pytest.fixture
def silent_broker():
    """A Redis address that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(128)
    server.settimeout(0.1)
    held, done = [], threading.Event()

    def accept():
        while not done.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    done.set()
    thread.join(5)
    server.close()
    for connection in held:
        connection.close()


@pytest.fixture
def absent_broker():
    """A Redis address nobody listens on, as when Redis is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def _representatives(people, state, count):
    """``count`` representatives of one vetted maker of ``state``: with the
    state's liaison, a publication tells ``count + 1`` people."""
    maker, rep = make_manufacturer(people, state, "SIA Baltic UAV", "LV1")
    others = UserFactory.create_batch(
        count - 1, roles=[Role.MANUFACTURER_REPRESENTATIVE], manufacturer=maker
    )
    return [rep, *others]


def _publish(people, tender, broker_url):
    """Publish through the web page, queuing to ``broker_url``; the response and
    how long it took."""
    browser = Client()
    browser.force_login(people.procurement)
    path = reverse("procurement:tender_publish", args=[tender.case.reference])
    with celery_publishing_to(broker_url):
        began = time.monotonic()
        response = browser.post(path)
        seconds = time.monotonic() - began
    tender.refresh_from_db()
    return response, seconds


def _broker_lines(caplog):
    return [r for r in caplog.records if "broker" in r.getMessage().lower()]


def _assert_logged_once_in_one_line(caplog):
    (line,) = _broker_lines(caplog)
    assert line.levelno == logging.WARNING
    assert line.exc_info is None  # one line, no traceback
    assert "periodic tasks" in line.getMessage()


def _published_deliveries():
    return NotificationDelivery.objects.filter(
        notification__kind=NotificationKind.TENDER_PUBLISHED
    )


def test_a_publication_to_200_answers_at_once_while_the_broker_hangs(
    people, latvia, silent_broker, shared_redis, workers, mailbox, caplog
):
    tender = draft_tender(people)
    _representatives(people, latvia, 200)
    told = 201  # and Latvia's liaison
    caplog.set_level(logging.INFO)

    response, seconds = _publish(people, tender, silent_broker)

    assert response.status_code == 302, response.content.decode()[:500]
    assert response["Location"] == tender.get_absolute_url()
    assert seconds < REQUEST_SECONDS, seconds
    assert tender.status == TenderStatus.PUBLISHED
    _assert_logged_once_in_one_line(caplog)
    # What the request could not queue is kept for the periodic task.
    fan_out = NotificationFanOut.objects.get(kind=NotificationKind.TENDER_PUBLISHED)
    assert len(fan_out.recipient_ids) == told
    assert fan_out.expanded_at is None

    # The broker is back (here: the real Redis), and beat's minute comes.
    with celery_publishing_to(shared_redis):
        worker = workers(shared_redis)
        _run_the_periodic_resend(worker.ran)  # expands it; the emails are queued
        _drain(worker.ran)
        _run_the_periodic_resend(worker.ran)  # and a minute on, nothing twice
        _drain(worker.ran)

    deliveries = _published_deliveries()
    assert deliveries.count() == told
    assert list(deliveries.exclude(status=DeliveryStatus.SENT)) == []
    sent = sent_message_ids(mailbox)
    assert sorted(sent) == sorted(
        f"<notification-{pk}@127.0.0.1>"
        for pk in deliveries.values_list("notification_id", flat=True)
    )  # every one, each exactly once


@pytest.mark.parametrize("broker", ["absent_broker", "silent_broker"])
def test_a_publication_to_99_is_one_short_wait_on_a_broker_down_or_hung(
    people, latvia, broker, request, caplog, settings
):
    """Under the fan-out threshold the request writes each person's email
    itself: they are handed to the broker in one message, not one each."""
    assert notifications.FAN_OUT_FROM > 99
    tender = draft_tender(people)
    _representatives(people, latvia, 98)
    caplog.set_level(logging.INFO)

    response, seconds = _publish(people, tender, request.getfixturevalue(broker))

    assert response.status_code == 302
    limit = REQUEST_SECONDS if broker == "silent_broker" else 1
    assert seconds < limit, seconds
    assert tender.status == TenderStatus.PUBLISHED
    _assert_logged_once_in_one_line(caplog)
    deliveries = _published_deliveries()
    assert deliveries.filter(status=DeliveryStatus.PENDING).count() == 99

    # Beat's resend, a minute on, sends each of them once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    assert notifications.deliveries_resend(older_than=dt.timedelta(0)) == 99
    assert notifications.deliveries_resend(older_than=dt.timedelta(0)) == 0
    ids = [m.extra_headers["Message-ID"] for m in mail.outbox]
    assert len(ids) == len(set(ids)) == 99
    assert deliveries.filter(status=DeliveryStatus.SENT).count() == 99
