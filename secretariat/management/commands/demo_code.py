"""Print the current code of a demo account's authenticator (``make run``'s demo
only: accounts whose authenticator is not the demo's are refused)."""

import base64
import time

from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from secretariat.management.commands.seed_demo import DEMO_TOTP_KEY


class Command(BaseCommand):
    help = "Print the current two-factor code of the demo's staff accounts."

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", default="officer")

    def handle(self, *args, username, **options):
        device = TOTPDevice.objects.filter(
            user__username=username, confirmed=True
        ).first()
        if device is None or device.key != DEMO_TOTP_KEY:
            raise CommandError(
                f"{username} has no demo authenticator: this command only reads "
                "the demo's shared key."
            )
        code = str(totp(device.bin_key, device.step, device.t0, device.digits))
        left = device.step - int(time.time() - device.t0) % device.step
        secret = base64.b32encode(device.bin_key).decode()
        self.stdout.write(
            f"{code.zfill(device.digits)}  (valid for {left} s more; each code "
            f"works once per account; the demo key for an authenticator app is "
            f"{secret})"
        )
