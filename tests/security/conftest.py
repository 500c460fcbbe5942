"""Fixtures for the security suites: the app tests' people, tender and fund,
joined into one world."""

import logging

import pytest

from tests.procurement.conftest import bidders, contract, evaluated, tender  # noqa: F401
from tests.secretariat.fund_fixtures import (  # noqa: F401
    checker,
    commitment,
    draft,
    funded,
    unrestricted,
)
from tests.security.world import World, build_world


@pytest.fixture
def world(people, latvia, japan, bidders, contract, draft, checker) -> World:  # noqa: F811
    return build_world(
        people=people, latvia=latvia, japan=japan, bidders=bidders,
        contract=contract, draft=draft, checker=checker,
    )  # fmt: skip


@pytest.fixture
def quiet_refusals():
    """Thousands of expected refusals: Django's warning for each, with its
    traceback (and django-axes's for each wrong password the fuzzer sends),
    would cost more than the requests. Errors are still logged."""
    loggers = [logging.getLogger(name) for name in ("django.request", "axes")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)
