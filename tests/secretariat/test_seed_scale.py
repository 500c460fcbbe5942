"""The scale data set is for PostgreSQL benchmarks only, and never mixes into a
database that holds other data."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the refusal is SQLite's")
def test_seed_scale_refuses_sqlite():
    with pytest.raises(CommandError, match="PostgreSQL only"):
        call_command("seed_scale", "--scale", "1")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_seed_scale_refuses_a_database_with_other_data(latvia):
    with pytest.raises(CommandError, match="not scale data"):
        call_command("seed_scale", "--scale", "1")
