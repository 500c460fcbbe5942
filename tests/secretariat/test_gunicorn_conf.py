"""Each web process makes Celery ready as gunicorn starts it (``gunicorn.conf.py``),
and a broker that is down does not stop the process from starting."""

import importlib.util
import os
from pathlib import Path

import pytest

from secretariat.celery import app as celery_app

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def _conf():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", CONF)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Worker:
    """What the hook uses of gunicorn's worker: its log, here kept."""

    def __init__(self):
        self.warnings = []
        self.log = self

    def warning(self, message, *args):
        self.warnings.append(message % args)


def test_gunicorn_reads_the_project_conf_from_the_working_directory():
    from gunicorn.config import Config

    config = Config()
    assert config.settings["config"].get() == "./gunicorn.conf.py"
    assert hasattr(_conf(), "post_worker_init")


def test_a_web_process_starts_connected_with_its_tasks_read():
    worker = Worker()
    _conf().post_worker_init(worker)
    assert celery_app.finalized
    assert (
        "secretariat.notifications.tasks.expand_notification_fan_out"
        in celery_app.tasks
    )
    if os.environ.get("REDIS_URL"):  # CI promises a Redis: it was reached
        assert worker.warnings == []


@pytest.mark.usefixtures("unreachable_broker")
def test_a_web_process_starts_when_the_broker_is_down():
    worker = Worker()
    _conf().post_worker_init(worker)  # does not raise
    assert len(worker.warnings) == 1
    assert worker.warnings[0].startswith("The broker was not reached at start: ")
    assert "127.0.0.1:1" in worker.warnings[0]
