"""The Celery application. Apps add tasks in their own ``tasks.py``.

Requests queue their work with ``secretariat.kernel.queueing.hand_off``, never with
``apply_async`` straight:
a broker that is down, frozen or cut off by a network partition may keep a
request waiting only ``BROKER_HANDOFF_TIMEOUT`` seconds, once. The work itself is
never lost for it: what a request hands off is kept in the database first (the
notification outbox, a report's row), and the periodic tasks send it later."""

import os

from celery import Celery
from celery.signals import worker_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secretariat.settings")

app = Celery("secretariat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect(weak=False)
def _look_up_the_host_name_once(**kwargs):
    """Every SMTP session greets the server with this host's name, which Django
    looks up once per process; where reverse DNS is slow that is seconds on a
    process's first email. Looked up in the worker's main process, it is known
    to every pool process started from it (after a crash, too)."""
    from django.core.mail.utils import DNS_NAME

    DNS_NAME.get_fqdn()


@worker_ready.connect(weak=False)
def _start_heartbeat(**kwargs):
    """The heartbeat ``/readyz`` looks for (secretariat.health), and the
    worker's metrics exporter where configured (secretariat.metrics)."""
    from secretariat.health import start_heartbeat
    from secretariat.metrics import start_worker_exporter

    start_heartbeat()
    start_worker_exporter()
