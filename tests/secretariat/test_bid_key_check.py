"""A wrong ``BID_ENCRYPTION_KEYS`` stops ``manage.py check`` (and ``check
--deploy``), naming the bad key by its position, never printing it."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

GOOD = Fernet.generate_key().decode()
BAD = "not-a-fernet-key-but-a-secret-all-the-same"


def run_check(*args) -> str:
    out = StringIO()
    call_command("check", *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.mark.parametrize("deploy", [False, True])
def test_an_invalid_key_fails_the_check_naming_its_position(deploy):
    args = ["--deploy"] if deploy else []
    with (
        override_settings(BID_ENCRYPTION_KEYS=[GOOD, BAD]),
        pytest.raises(SystemCheckError) as failed,
    ):
        run_check(*args)
    message = str(failed.value)
    assert "secretariat.E002" in message
    assert "key 2 of 2 is not a valid Fernet key" in message
    assert "key 1 of 2" not in message
    assert BAD not in message
    assert GOOD not in message


def test_a_key_of_the_wrong_length_fails_too():
    short = Fernet.generate_key()[:20].decode()
    with (
        override_settings(BID_ENCRYPTION_KEYS=[short]),
        pytest.raises(SystemCheckError, match="key 1 of 1 is not a valid"),
    ):
        run_check()


def test_no_key_at_all_fails():
    with (
        override_settings(BID_ENCRYPTION_KEYS=[]),
        pytest.raises(SystemCheckError, match="BID_ENCRYPTION_KEYS is empty"),
    ):
        run_check()


def test_valid_keys_pass():
    other = Fernet.generate_key().decode()
    with override_settings(BID_ENCRYPTION_KEYS=[GOOD, other]):
        assert "no issues" in run_check("--tag", "security")
