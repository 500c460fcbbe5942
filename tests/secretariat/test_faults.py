"""Faults under load: Redis stopped in the middle of a burst of web requests and
started again, and a worker killed in the middle of sending a burst's email.
Real Redis, real workers, real requests through the web forms; afterwards no
request failed and every notification was emailed once: only the email in flight
when a worker is killed may go out twice, with the same Message-ID."""

import datetime as dt
import os
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import kombu
import pytest
import redis
from django.db import connection
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from procurement import services as procurement
from procurement.models import Tender, TenderStatus
from secretariat.fund.models import DisbursementRequest, DisbursementStatus, Pool
from secretariat.fund.services import disbursements as dsb
from secretariat.kernel.roles import Role
from secretariat.notifications import services as notifications
from secretariat.notifications.models import (
    Channel,
    DeliveryStatus,
    Notification,
    NotificationDelivery,
    NotificationFanOut,
    NotificationKind,
)
from secretariat.notifications.tasks import resend_notifications
from tests.factories import UserFactory
from tests.procurement.helpers import category, make_manufacturer
from tests.secretariat.fund_fixtures import BIC, IBAN
from tests.secretariat.worker_helpers import (
    Worker,
    celery_publishing_to,
    redis_base,
    sent_message_ids,
    wait_until,
)
from tests.smtp_sink import SmtpSink

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Slower than this, a request has failed whatever it answers in the end: its
# user has given up, and a sync gunicorn worker is killed at 30 s.
REQUEST_BUDGET_SECONDS = 10


# ---------------------------------------------------------------- Redis


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own, stopped and started again on one port;
    nothing kept on disk, so what was queued when it stopped is gone, as after
    a crash."""

    def __init__(self, binary: str, directory: Path):
        self.binary, self.directory = binary, directory
        directory.mkdir()
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = directory / "redis.log"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.directory)],
            stdout=self.log.open("a"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        assert wait_until(lambda: self._answers(client), 10), self.log.read_text()

    @staticmethod
    def _answers(client) -> bool:
        try:
            return client.ping()
        except redis.exceptions.ConnectionError:
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: with --save "" it saves nothing
            self.process.wait(10)


@pytest.fixture
def own_redis(tmp_path):
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("REDIS_URL"):
            pytest.fail("CI promises Redis, but there is no redis-server to stop.")
        pytest.skip("No redis-server binary to stop and start: install Redis.")
    server = RedisServer(binary, tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def shared_redis():
    """A database of its own on the Redis the suite uses, emptied first."""
    url = f"{redis_base()}/13"
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.flushdb()
    except redis.exceptions.ConnectionError:
        if os.environ.get("REDIS_URL"):
            raise  # CI promises a Redis: its absence is a failure, not a skip
        pytest.skip("No Redis on 127.0.0.1:6379: start one, or set REDIS_URL.")
    yield url
    client.flushdb()


@pytest.fixture
def publications_fan_out(monkeypatch):
    """A publication tells three people here: from three on, it takes the path
    of a publication to hundreds of makers (one row, expanded by a worker after
    commit)."""
    monkeypatch.setattr(notifications, "FAN_OUT_FROM", 3)


@pytest.fixture
def mailbox(tmp_path):
    path = tmp_path / "mail"
    path.mkdir()
    return path


@pytest.fixture
def workers(mailbox, tmp_path):
    started = []

    def start(broker_url, **kwargs):
        worker = Worker(broker_url, mailbox, tmp_path, **kwargs)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


# ---------------------------------------------------------------- the burst


@dataclass
class Answer:
    who: str
    method: str
    path: str
    status: int
    seconds: float
    phase: str
    error: str = ""


class Burst:
    """People acting at once, each in a browser and a thread of their own.

    A script yields (method, path, data) and is sent each response; between the
    phases of the burst it yields ("gate", phase) and waits there until the test
    lets everyone on (``enter``), so that each phase has its requests whatever
    the speed of the machine. Every answer is kept with its status, how long it
    took and the phase it began in."""

    def __init__(self, phases):
        self.phases = phases
        self.phase = phases[0]
        self.answers: list[Answer] = []
        self._gates = {phase: threading.Event() for phase in phases[1:]}
        self._arrived = dict.fromkeys(phases[1:], 0)
        self._finished = 0
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def start(self, user, *segments):
        """``user`` runs one script per phase."""
        browser = Client()
        browser.force_login(user)
        thread = threading.Thread(
            target=self._run, args=(user.username, browser, self._gated(segments))
        )
        self._threads.append(thread)
        thread.start()

    def _gated(self, segments):
        for phase, segment in zip(self.phases, segments, strict=True):
            if phase != self.phases[0]:
                yield ("gate", phase, None)
            yield from segment

    def all_waiting_for(self, phase) -> bool:
        with self._lock:
            return self._arrived[phase] + self._finished == len(self._threads)

    def enter(self, phase):
        self.phase = phase
        self._gates[phase].set()

    def join(self):
        for gate in self._gates.values():
            gate.set()  # none left waiting if the test failed half-way
        for thread in self._threads:
            thread.join(120)
        assert not any(t.is_alive() for t in self._threads), "a request never ended"

    def failed(self) -> list[Answer]:
        return [a for a in self.answers if not 200 <= a.status < 400]

    def slowest(self) -> Answer:
        return max(self.answers, key=lambda a: a.seconds)

    def phases_posted_in(self) -> set[str]:
        return {a.phase for a in self.answers if a.method == "post"}

    def _record(self, answer):
        with self._lock:
            self.answers.append(answer)

    def _run(self, who, browser, script):
        response = None
        try:
            while True:
                try:
                    method, path, data = script.send(response)
                except StopIteration:
                    return
                except Exception as exc:  # noqa: BLE001 - the script's check failed
                    self._record(Answer(who, "", "", 0, 0, self.phase, repr(exc)))
                    return
                response = None
                if method == "gate":
                    with self._lock:
                        self._arrived[path] += 1
                    self._gates[path].wait(120)
                    continue
                phase, began = self.phase, time.monotonic()
                try:
                    response = getattr(browser, method)(path, data)
                    status, error = response.status_code, ""
                except Exception as exc:  # noqa: BLE001 - a request that failed
                    status, error = 500, repr(exc)
                seconds = time.monotonic() - began
                self._record(Answer(who, method, path, status, seconds, phase, error))
                if error or status >= 400:
                    return
        finally:
            with self._lock:
                self._finished += 1
            connection.close()


def preparing(commitment, count):
    """A finance officer prepares requests and submits each for checking; each
    submission tells the other two finance officers."""
    for number in range(count):
        prepared = yield (
            "post",
            reverse("disbursement_prepare"),
            {
                "commitment": commitment.pk, "payee_name": "SIA Drone Works",
                "payee_country": "LV", "payee_iban": IBAN, "payee_bic": BIC,
                "amount": "50000.00", "currency": "EUR",
                "purpose": f"Milestone {number}: drones accepted at Sēlia",
                "categories": [category("reconnaissance").pk],
            },
        )  # fmt: skip
        assert prepared.status_code == 302, prepared.content.decode()[:500]
        reference = prepared["Location"].rstrip("/").rsplit("/", 1)[-1]
        yield ("post", reverse("disbursement_submit", args=[reference]), {})


def checking(references):
    """Each check tells both co-lead approvers."""
    for reference in references:
        yield (
            "post",
            reverse("disbursement_check", args=[reference]),
            {"comment": "IBAN matches the contract"},
        )


def publishing(references):
    """Each publication tells two makers' representatives and Latvia's liaison."""
    for reference in references:
        yield ("post", reverse("procurement:tender_publish", args=[reference]), {})


def reading():
    for name in ("my_work", "notification_list", "disbursement_list"):
        yield ("get", reverse(name), {})


def _thirds(items):
    size = -(-len(items) // 3)
    return [items[:size], items[size : 2 * size], items[2 * size :]]


def _start_the_burst(burst, people, checker, commitment, cast):
    """Over three phases: each preparer submits 2, 2 and 1 requests; the
    checker checks a third of those waiting in each; the procurement officer
    publishes a third of the tenders in each; an approver reads pages."""
    for preparer in cast.preparers:
        burst.start(preparer, *(preparing(commitment, n) for n in SUBMISSIONS))
    burst.start(checker, *(checking(part) for part in _thirds(cast.to_check)))
    burst.start(
        people.procurement, *(publishing(part) for part in _thirds(cast.tenders))
    )
    burst.start(people.approver_uk, *(reading() for _ in range(3)))


SUBMISSIONS = (2, 2, 1)


# ---------------------------------------------------------------- the data


@dataclass
class Cast:
    preparers: list
    to_check: list[str]
    tenders: list[str]


def _set_the_stage(people, draft, *, to_check, tenders) -> Cast:
    """Requests awaiting a check and drafted tenders, made in-process before the
    burst (their own notifications are sent at once, to the test outbox). With
    the checker, three finance officers: each submission tells the two who did
    not prepare it."""
    second = UserFactory(username="finance-2", roles=[Role.FINANCE_OFFICER])
    requests = [draft("50000.00") for _ in range(to_check)]
    for request in requests:
        dsb.disbursement_submit(request=request, actor=people.finance)
    make_manufacturer(people, people.approver_lv.member_state, "SIA Baltic UAV", "LV1")
    make_manufacturer(people, people.approver_uk.member_state, "UK Drones Ltd", "GB1")
    return Cast(
        preparers=[people.finance, second],
        to_check=[r.case.reference for r in requests],
        tenders=[_drafted_tender(people, n).case.reference for n in range(tenders)],
    )


def _drafted_tender(people, number) -> Tender:
    requirement = procurement.requirement_record(
        actor=people.procurement, title=f"Reconnaissance drones {number}",
        capability=category("reconnaissance"), quantity=100,
        specification="Day/night camera", priority="high",
        needed_by=timezone.localdate() + dt.timedelta(days=200),
    )  # fmt: skip
    now = timezone.now()
    tender = procurement.tender_create(
        actor=people.procurement, title=f"Reconnaissance drones, call {number}",
        description="Lot 1: quadcopters", requirements=[requirement],
        pool=Pool.objects.get(code="unrestricted"),
        clarification_deadline=now + dt.timedelta(days=5),
        submission_deadline=now + dt.timedelta(days=10),
    )  # fmt: skip
    procurement.lot_add(
        tender=tender, actor=people.procurement, title="Quadcopters",
        capability=category("reconnaissance"), quantity=100,
        max_unit_price=Decimal("2000.00"), delivery_from=dt.date(2026, 12, 1),
        delivery_to=dt.date(2027, 3, 1),
    )  # fmt: skip
    return tender


def _last_pk(model) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _told_in_the_burst(since: int) -> dict[str, int]:
    told = Notification.objects.filter(pk__gt=since)
    return {
        kind: told.filter(kind=kind).count()
        for kind in set(told.values_list("kind", flat=True))
    }


def _assert_the_requests_did_their_work(cast):
    submitted = DisbursementRequest.objects.filter(
        prepared_by__in=cast.preparers, status=DisbursementStatus.SUBMITTED
    )
    assert submitted.count() == len(cast.preparers) * sum(SUBMISSIONS)
    checked = DisbursementRequest.objects.filter(status=DisbursementStatus.CHECKED)
    assert sorted(r.case.reference for r in checked) == sorted(cast.to_check)
    published = Tender.objects.filter(status=TenderStatus.PUBLISHED)
    assert published.count() == len(cast.tenders)


def _assert_each_told_and_emailed_exactly_once(cast, mailbox, *, since):
    _assert_each_told_and_emailed(cast, sent_message_ids(mailbox), since=since)


def _assert_each_told_and_emailed(cast, sent, *, since, in_flight=()):
    """Everyone told, and every email sent: each once, but for the messages
    ``in_flight`` when a worker was killed (taken by the mail server, not yet
    recorded as sent), which may have gone out twice with the same
    Message-ID; a repeat never carries a Message-ID of its own."""
    # Two other finance officers per submission, two approvers per check, three
    # people per publication.
    submissions = len(cast.preparers) * sum(SUBMISSIONS)
    assert _told_in_the_burst(since) == {
        NotificationKind.DISBURSEMENT_TO_CHECK: 2 * submissions,
        NotificationKind.DISBURSEMENT_TO_APPROVE: 2 * len(cast.to_check),
        NotificationKind.TENDER_PUBLISHED: 3 * len(cast.tenders),
    }
    assert _unexpanded() == []
    deliveries = NotificationDelivery.objects.filter(notification__pk__gt=since)
    assert deliveries.count() == Notification.objects.filter(pk__gt=since).count()
    assert set(deliveries.values_list("channel", flat=True)) == {Channel.EMAIL}
    assert list(deliveries.exclude(status=DeliveryStatus.SENT)) == []
    duplicates = sorted({i for i in sent if sent.count(i) > 1})
    assert set(duplicates) <= set(in_flight), duplicates
    assert max(map(sent.count, sent)) <= 2
    assert sorted(set(sent)) == sorted(
        f"<notification-{pk}@127.0.0.1>"
        for pk in deliveries.values_list("notification_id", flat=True)
    )
    return duplicates


def _run_the_periodic_resend(worker_ran):
    """What beat does every minute, a minute on: the pending deliveries are
    made a minute older instead of the test waiting for one."""
    a_minute_ago = F("created_at") - dt.timedelta(minutes=2)
    NotificationDelivery.objects.filter(status=DeliveryStatus.PENDING).update(
        created_at=a_minute_ago
    )
    NotificationFanOut.objects.filter(expanded_at__isnull=True).update(
        created_at=a_minute_ago
    )
    resend = resend_notifications.delay()
    assert wait_until(lambda: worker_ran(resend.id), 45), "the resend never ran"


def _drain(worker_ran):
    """Wait until every task queued so far has run: a resend of nothing (older
    than an hour) queued behind them is run last."""
    marker = resend_notifications.delay(3600)
    assert wait_until(lambda: worker_ran(marker.id), 45), "the queue never drained"


# ---------------------------------------------------------------- the tests


@pytest.mark.usefixtures("publications_fan_out")
def test_redis_stopped_in_a_burst_fails_no_request_and_loses_or_repeats_no_email(
    people, checker, commitment, draft, own_redis, workers, mailbox
):
    cast = _set_the_stage(people, draft, to_check=9, tenders=3)
    since = _last_pk(Notification)
    # Results are ignored (CELERY_TASK_IGNORE_RESULT); the outage tests below
    # check that a configured result backend costs a request nothing.
    with celery_publishing_to(own_redis.url):
        worker = workers(own_redis.url)
        burst = Burst(("before", "down", "up"))
        _start_the_burst(burst, people, checker, commitment, cast)

        assert wait_until(lambda: burst.all_waiting_for("down"), 60), burst.answers
        burst.enter("down")
        own_redis.stop()  # as the requests of this phase begin
        assert wait_until(lambda: burst.all_waiting_for("up"), 90), burst.answers
        own_redis.start()  # empty: what was queued when it stopped is gone
        burst.enter("up")
        burst.join()

        assert burst.failed() == []
        assert burst.slowest().seconds < REQUEST_BUDGET_SECONDS, burst.slowest()
        assert burst.phases_posted_in() == {"before", "down", "up"}
        _assert_the_requests_did_their_work(cast)

        _drain(worker.ran)
        # The outage lost tasks: what they were to do, only the resend does.
        assert _pending(since) or _unexpanded()
        _run_the_periodic_resend(worker.ran)
        _drain(worker.ran)  # the emails of the fan-outs it expanded
        _run_the_periodic_resend(worker.ran)  # and a minute on, nothing twice
        _drain(worker.ran)
    _assert_each_told_and_emailed_exactly_once(cast, mailbox, since=since)


@pytest.mark.usefixtures("publications_fan_out")
def test_a_worker_killed_in_a_burst_loses_no_email_and_repeats_only_the_one_in_flight(
    people, checker, commitment, draft, shared_redis, workers
):
    """The worker is killed while the mail server holds the fourth email, taken
    whole but not yet acknowledged: that one email is in flight. It is the
    only one that may go out twice (an SMTP server cannot be told "exactly
    once"), with the same Message-ID; none is lost."""
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite has one writer: a worker held in the middle of an SMTP session "
            "holds the whole database, and the test's own writes time out. Killed "
            "workers are tested on PostgreSQL, the production database (CI)."
        )
    cast = _set_the_stage(people, draft, to_check=6, tenders=3)
    since = _last_pk(Notification)
    sink = SmtpSink().start()
    try:
        _kill_a_worker_in_a_burst(people, checker, commitment, cast, sink, since,
                                  shared_redis, workers)  # fmt: skip
    finally:
        sink.stop()


def _kill_a_worker_in_a_burst(
    people, checker, commitment, cast, sink, since, shared_redis, workers
):
    hold = sink.holding("data", 4)
    with celery_publishing_to(shared_redis):
        first = workers(shared_redis, extra_env=sink.settings())
        burst = Burst(("one worker", "no worker", "two workers"))
        _start_the_burst(burst, people, checker, commitment, cast)
        assert hold.reached.wait(60), (burst.answers, first.log.read_text()[-3000:])
        first.kill()  # SIGKILL in the middle of an email, with more taken
        hold.released.set()
        (*accepted, in_flight) = list(sink.message_ids)
        assert len(accepted) == 3
        assert wait_until(lambda: burst.all_waiting_for("no worker"), 60)
        # Its transaction died with it: what the server acknowledged is what is
        # marked sent, and the one in flight is pending.
        assert sorted(accepted) == sorted(
            f"<notification-{pk}@127.0.0.1>"
            for pk in NotificationDelivery.objects.filter(
                notification__pk__gt=since, status=DeliveryStatus.SENT
            ).values_list("notification_id", flat=True)
        )
        # Redis keeps what it had handed to the dead worker, for an hour.
        assert redis.Redis.from_url(shared_redis).hlen("unacked") >= 1

        burst.enter("no worker")  # the site still answers, and queues
        assert wait_until(lambda: burst.all_waiting_for("two workers"), 60)
        fresh = [
            workers(shared_redis, wait=False, extra_env=sink.settings())
            for _ in range(2)
        ]
        for worker in fresh:
            worker.wait_until_ready()
        burst.enter("two workers")
        burst.join()

        assert burst.failed() == []
        assert burst.slowest().seconds < REQUEST_BUDGET_SECONDS, burst.slowest()
        assert burst.phases_posted_in() == set(burst.phases)
        _assert_the_requests_did_their_work(cast)

        def ran(task_id):
            return any(worker.ran(task_id) for worker in fresh)

        # The two workers race each other and the resend for what is left.
        _run_the_periodic_resend(ran)
        assert wait_until(lambda: not _pending(since) and not _unexpanded())
        # An hour on, Redis hands out again what the dead worker held.
        assert _restore_what_the_dead_worker_held(shared_redis) >= 1
        assert wait_until(lambda: _idle(shared_redis))
        _run_the_periodic_resend(ran)
        assert wait_until(lambda: _idle(shared_redis))
    repeated = _assert_each_told_and_emailed(
        cast, list(sink.message_ids), since=since, in_flight=[in_flight]
    )
    # One worker killed, one email in flight: sent twice, the same Message-ID.
    assert repeated == [in_flight]


def _restore_what_the_dead_worker_held(broker_url) -> int:
    """What Redis does once the visibility timeout (an hour) has passed: the
    messages the killed worker had taken, unacknowledged, are queued again."""
    held = redis.Redis.from_url(broker_url).hlen("unacked")
    with kombu.Connection(
        broker_url, transport_options={"visibility_timeout": 0}
    ) as conn:
        conn.default_channel.qos.restore_visible(num=1000)
    return held


def _idle(broker_url) -> bool:
    """Nothing queued and nothing taken but not yet done (the email tasks are
    acknowledged when done)."""
    client = redis.Redis.from_url(broker_url)
    return client.llen("celery") == 0 and client.hlen("unacked") == 0


def _unexpanded():
    return list(NotificationFanOut.objects.filter(expanded_at__isnull=True))


def _pending(since):
    return list(
        NotificationDelivery.objects.filter(
            notification__pk__gt=since, status=DeliveryStatus.PENDING
        ).values_list("pk", "attempts")
    )


# ---------------------------------------------------------------- found here
# A request during an outage is answered and its change kept (above), but it is
# held up on the way: long enough, in these two cases, for a sync gunicorn
# worker's 30 s timeout to fail it. Each test is one request through the web
# with Redis stopped; no worker is needed.


def _submit_during_an_outage(people, draft, own_redis, *, told, result_backend=None):
    """Submit one request while Redis is down (after another submitted while it
    was up, as on any running site); ``told`` finance officers hear of it.
    Returns the response and how long it took."""
    for number in range(told - 1):
        UserFactory(username=f"finance-{number + 2}", roles=[Role.FINANCE_OFFICER])
    earlier, request = draft("50000.00"), draft("50000.00")
    browser = Client()
    browser.force_login(people.finance)
    with celery_publishing_to(own_redis.url, result_backend=result_backend):
        submit = "disbursement_submit"
        answered = browser.post(reverse(submit, args=[earlier.case.reference]))
        assert answered.status_code == 302
        own_redis.stop()
        began = time.monotonic()
        response = browser.post(reverse(submit, args=[request.case.reference]))
        seconds = time.monotonic() - began
    request.refresh_from_db()
    assert request.status == DisbursementStatus.SUBMITTED  # the change is kept
    assert (
        NotificationDelivery.objects.filter(
            notification__url=request.get_absolute_url()
        ).count()
        == told
    )
    return response, seconds


def test_in_an_outage_a_request_does_not_wait_on_the_result_backend(
    people, checker, draft, own_redis
):
    # The checker and one more finance officer are told: two emails.
    response, seconds = _submit_during_an_outage(
        people, draft, own_redis, told=2, result_backend=own_redis.url
    )
    assert response.status_code == 302
    assert seconds < REQUEST_BUDGET_SECONDS


def test_in_an_outage_a_request_does_not_wait_on_the_broker_for_each_email(
    people, checker, draft, own_redis
):
    response, seconds = _submit_during_an_outage(people, draft, own_redis, told=12)
    assert response.status_code == 302
    # Twelve emails may not cost twelve waits: a publication to a hundred
    # would take a minute.
    assert seconds < 2
