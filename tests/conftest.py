"""Shared fixtures: a few named people, so that every guarded page gets its
"outsider is refused" test, and the states they act for."""

import shutil
from dataclasses import dataclass

import kombu.pools
import pytest
from django.core.cache import cache
from django.test import Client
from pytest_django.fixtures import validate_django_db
from rest_framework.test import APIClient

from members.models import MemberState, MemberStatus
from secretariat.accounts.twofactor import role_requires
from secretariat.celery import app as celery_app
from secretariat.kernel.cache import reset_breaker
from secretariat.kernel.queueing import hand_off_reset
from secretariat.kernel.roles import Role
from tests.factories import PASSWORD, MemberStateFactory, UserFactory
from tests.twofactor import mark_verified

# Tests that share something outside the test database run on one xdist worker
# each (``--dist loadgroup``): Chromium and its live servers, and the real Redis
# databases and Celery workers of the delivery and fault tests.
SERIAL_GROUPS = {
    "browser": ("tests/browser/",),
    "redis": (
        "tests/secretariat/test_faults.py",
        "tests/secretariat/test_notification_worker.py",
    ),
}
REDIS_FIXTURES = {"shared_redis", "own_redis"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Group the tests that share something (above), then make every test of a
    group that empties the database transactional too.

    tryfirst: xdist's own hook turns the mark into the item's group (a suffix
    of the node id) and pytest-django's sorts the transactional tests after the
    others: both must see what this hook adds. A transactional test ends by
    emptying every table, the reference data that migrations wrote included,
    and xdist runs a group where its first test stands: a group that mixed the
    two kinds would run early and leave the tests after it on that worker
    without their reference data. Made transactional (restoring the migrations'
    data first), the whole group stands among the transactional tests, last."""
    groups = {}
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        group = next(
            (
                name
                for name, prefixes in SERIAL_GROUPS.items()
                if path.startswith(prefixes)
            ),
            "redis" if REDIS_FIXTURES & set(item.fixturenames) else None,
        )
        if group:
            item.add_marker(pytest.mark.xdist_group(group))
        marks = list(item.iter_markers("xdist_group"))
        for mark in marks:
            groups.setdefault(mark.args[0] if mark.args else "default", []).append(item)
    transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)
    for members in groups.values():
        if not any(_empties_the_database(item) for item in members):
            continue
        for item in members:
            if item.get_closest_marker("django_db") and not _empties_the_database(item):
                item.add_marker(transactional, append=False)


def _empties_the_database(item) -> bool:
    marker = item.get_closest_marker("django_db")
    transactional = bool(marker) and validate_django_db(marker)[0]
    return transactional or {"transactional_db", "live_server"} & set(item.fixturenames)


def pytest_xdist_node_collection_finished(node, ids):
    """With ``--dist loadgroup`` a grouped test's id ends in ``@group``: that is
    how xdist keeps a group on one worker. Where it does not (pytest 9 ignores
    the id that xdist 3.8 sets), tests that share Chromium or Redis and a Celery
    worker would run at once and take each other's tasks, failing at random:
    stop before any test runs, saying why."""
    if node.config.getoption("dist", None) != "loadgroup":
        return
    prefixes = tuple(p for group in SERIAL_GROUPS.values() for p in group)
    ungrouped = [i for i in ids if i.startswith(prefixes) and "@" not in i]
    if ungrouped:
        raise pytest.UsageError(
            f"xdist did not group {len(ungrouped)} tests that must run one at a "
            f"time (e.g. {ungrouped[0]}): check the pytest and pytest-xdist pins."
        )


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    shutil.rmtree(tmp_path / "media", ignore_errors=True)


@pytest.fixture(autouse=True, scope="session")
def _flush_past_the_append_only_triggers():
    """Transactional tests (live server, threads, workers) empty the database
    with one TRUNCATE, which the append-only tables refuse on PostgreSQL (ledger,
    timeline, bid and security events: secretariat 0019, procurement 0011). The
    test flush alone runs with ``session_replication_role = replica`` for its
    own transaction, which skips user triggers; setting it needs a superuser
    (the test database's ``postgres``), so the application's role cannot."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    sql_flush = DatabaseOperations.sql_flush

    def sql_flush_past_triggers(self, style, tables, **options):
        statements = sql_flush(self, style, tables, **options)
        if not statements:
            return statements
        return ["SET LOCAL session_replication_role = replica;", *statements]

    DatabaseOperations.sql_flush = sql_flush_past_triggers
    yield
    DatabaseOperations.sql_flush = sql_flush


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _second_factor_given(request, monkeypatch):
    """A test that signs someone in with ``force_login`` means them signed in
    fully: people whose role needs a second factor have an authenticator and
    have given its code. Tests of the second factor itself are marked
    ``real_two_factor`` and go through the code page."""
    if request.node.get_closest_marker("real_two_factor"):
        return
    force_login = Client.force_login

    def force_login_with_code(self, user, backend=None):
        force_login(self, user, backend)
        if role_requires(user):
            mark_verified(self, user)
        user.__dict__.pop("_role_names", None)  # read again by the test

    monkeypatch.setattr(Client, "force_login", force_login_with_code)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (rankings are kept in it). With
    Redis, only this process's keys: xdist workers share one Redis database
    (each under its own key prefix, settings.CACHES)."""
    reset_breaker()
    client = getattr(cache, "_cache", None)
    if not hasattr(client, "get_client"):
        cache.clear()
        return
    redis = client.get_client(write=True)
    keys = list(redis.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
    if keys:
        redis.delete(*keys)


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tasks run in-process unless a test is about delivery and starts a worker."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture
def unreachable_broker():
    """Celery publishing to a broker nobody listens on, as during a Redis outage."""
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.broker_url, conf.task_publish_retry)
    conf.task_always_eager = False
    conf.broker_url = "redis://127.0.0.1:1/0"
    conf.task_publish_retry = False
    _reset_celery_pools()
    yield
    conf.task_always_eager, conf.broker_url, conf.task_publish_retry = saved
    _reset_celery_pools()


def _reset_celery_pools():
    # kombu keeps producer and connection pools in a registry keyed by broker
    # URL, and the app caches its own: drop both, so that the next publish builds
    # fresh ones for the broker now configured.
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    hand_off_reset()  # the connection requests hand their tasks over


@pytest.fixture
def jpy_rate(db):
    """A recorded yen rate, as a finance officer would keep it."""
    from django.utils import timezone

    from secretariat.kernel.models import ExchangeRate

    return ExchangeRate.objects.create(
        currency="JPY", rate_date=timezone.localdate(), units_per_eur=160
    )


@pytest.fixture
def latvia(db):
    return MemberStateFactory(country="LV", name="Latvia", is_co_lead=True)


@pytest.fixture
def uk(db):
    return MemberStateFactory(country="GB", name="United Kingdom", is_co_lead=True)


@pytest.fixture
def japan(db):
    return MemberStateFactory(
        country="JP", name="Japan", status=MemberStatus.PROSPECTIVE
    )


@pytest.fixture
def ukraine(db):
    return MemberStateFactory(country="UA", name="Ukraine")


@dataclass
class Front:
    """Ukraine's end users: two in one brigade, one in another unit."""

    unit: object
    other_unit: object
    enduser: object
    enduser_same_unit: object
    enduser_other_unit: object


@pytest.fixture
def front(db, ukraine) -> Front:
    from procurement.models import MilitaryUnit

    unit = MilitaryUnit.objects.create(
        member_state=ukraine, code="UA-47", name="47th Mechanized Brigade"
    )
    other_unit = MilitaryUnit.objects.create(
        member_state=ukraine, code="UA-UNC", name="Unmanned Systems Forces Command"
    )
    people = {
        name: UserFactory(
            username=name,
            roles=[Role.END_USER],
            member_state=ukraine,
        )
        for name in ("enduser-ua", "enduser-ua-2", "enduser-ua-unc")
    }
    unit.people.add(people["enduser-ua"], people["enduser-ua-2"])
    other_unit.people.add(people["enduser-ua-unc"])
    return Front(
        unit=unit,
        other_unit=other_unit,
        enduser=people["enduser-ua"],
        enduser_same_unit=people["enduser-ua-2"],
        enduser_other_unit=people["enduser-ua-unc"],
    )


@dataclass
class People:
    officer: object
    procurement: object
    finance: object
    approver_lv: object
    approver_uk: object
    evaluator: object
    liaison_jp: object
    liaison_lv: object
    manufacturer: object
    admin: object
    outsider: object

    def all(self):
        return dict(self.__dict__)


@pytest.fixture
def people(db, latvia, uk, japan) -> People:
    return People(
        officer=UserFactory(username="officer", roles=[Role.SECRETARIAT_OFFICER]),
        procurement=UserFactory(
            username="procurement", roles=[Role.PROCUREMENT_OFFICER]
        ),
        finance=UserFactory(username="finance", roles=[Role.FINANCE_OFFICER]),
        approver_lv=UserFactory(
            username="approver-lv", roles=[Role.CO_LEAD_APPROVER], member_state=latvia
        ),
        approver_uk=UserFactory(
            username="approver-uk", roles=[Role.CO_LEAD_APPROVER], member_state=uk
        ),
        evaluator=UserFactory(username="evaluator", roles=[Role.EVALUATOR]),
        liaison_jp=UserFactory(
            username="liaison-jp", roles=[Role.MEMBER_LIAISON], member_state=japan
        ),
        liaison_lv=UserFactory(
            username="liaison-lv", roles=[Role.MEMBER_LIAISON], member_state=latvia
        ),
        manufacturer=UserFactory(
            username="manufacturer", roles=[Role.MANUFACTURER_REPRESENTATIVE]
        ),
        admin=UserFactory(
            username="admin",
            roles=[Role.ADMINISTRATOR],
            is_staff=True,
            is_superuser=True,
        ),
        outsider=UserFactory(username="outsider"),
    )


@pytest.fixture
def client_for(client):
    """A web client signed in as the given user."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def api_for():
    def login(user):
        api = APIClient()
        api.force_authenticate(user)
        return api

    return login


@pytest.fixture
def password():
    return PASSWORD


def refresh(obj):
    obj.refresh_from_db()
    return obj


__all__ = ["MemberState", "refresh"]
