"""Email backends for tests of delivery under faults."""

import os
import smtplib
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend


class RefusingBackend(BaseEmailBackend):
    """A mail server that drops the connection."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class SlowFileBackend(FileBackend):
    """Writes a marker when it starts, then takes its time: long enough for a test
    to kill the worker in the middle of a delivery."""

    def send_messages(self, email_messages):
        Path(os.environ["SLOW_MAIL_MARKER"]).touch()
        time.sleep(float(os.environ.get("SLOW_MAIL_SECONDS", "30")))
        return super().send_messages(email_messages)
