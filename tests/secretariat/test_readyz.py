"""/readyz: whether a load balancer should send this process requests."""

import os

import pytest
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import ConnectionHandler

from secretariat import health
from secretariat.celery import app as celery_app


@pytest.fixture(autouse=True)
def _fresh_memo():
    health.forget_migrations_applied()
    yield
    health.forget_migrations_applied()


@pytest.mark.django_db
def test_ready_when_the_database_answers_and_every_migration_is_applied(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok"},
    }


@pytest.mark.django_db
def test_not_ready_while_a_migration_is_pending(client):
    leaf = MigrationLoader(connection).graph.leaf_nodes("secretariat")[0]
    MigrationRecorder(connection).record_unapplied(*leaf)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "failing",
        "checks": {"database": "ok", "migrations": "failing"},
    }
    # Once applied it is ready again, and then remembers it (no more queries).
    MigrationRecorder(connection).record_applied(*leaf)
    assert client.get("/readyz").status_code == 200
    MigrationRecorder(connection).record_unapplied(*leaf)
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_not_ready_when_the_database_is_unreachable(client, monkeypatch, settings):
    # The check's connections, configured for a database nobody serves (the
    # test's own connection stays as it is).
    down = dict(connection.settings_dict)
    if connection.vendor == "postgresql":
        down.update(HOST="127.0.0.1", PORT="1")
    else:
        down["NAME"] = "/nonexistent/folder/db.sqlite3"
    unreachable = ConnectionHandler({DEFAULT_DB_ALIAS: down})
    monkeypatch.setattr(health, "connections", unreachable)
    try:
        response = client.get("/readyz")
    finally:
        unreachable.close_all()
    assert response.status_code == 503
    assert response.json() == {
        "status": "failing",
        "checks": {"database": "failing", "migrations": "failing"},
    }
    # Nothing about the failure itself is revealed.
    text = response.content.decode()
    assert "Error" not in text and "psycopg" not in text and "sqlite" not in text


@pytest.fixture
def broker(settings):
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs REDIS_URL (a Redis server)")
    settings.REDIS_URL = url
    celery_app.conf.task_always_eager = False  # put back by the conftest fixture
    redis = health.redis_client()
    redis.delete(health.HEARTBEAT_KEY)
    yield settings
    redis.delete(health.HEARTBEAT_KEY)


@pytest.mark.django_db
@pytest.mark.xdist_group("redis")  # the real Redis, one test at a time
def test_with_a_broker_it_needs_a_recent_worker_heartbeat(client, broker):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok", "migrations": "ok", "redis": "ok", "worker": "failing"
    }  # fmt: skip

    health.heartbeat_once()  # as a worker's heartbeat thread does
    # The beat lasts three intervals (read at once: a worker of another test
    # may beat, or stop beating, meanwhile).
    ttl = health.redis_client().ttl(health.HEARTBEAT_KEY)
    assert 0 < ttl <= 3 * broker.WORKER_HEARTBEAT_INTERVAL
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
@pytest.mark.xdist_group("redis")  # the real Redis, one test at a time
def test_not_ready_when_redis_is_unreachable(client, broker):
    broker.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "failing"


@pytest.mark.django_db
def test_a_load_balancer_may_probe_over_plain_http(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/readyz").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301
