"""The Celery application. Apps add tasks in their own ``tasks.py``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secretariat.settings")

app = Celery("secretariat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
