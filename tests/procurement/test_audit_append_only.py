"""The case timeline and each bid's trail are audit records: once written, never
changed or deleted, by the application (every database) and, on PostgreSQL, by
the database itself whoever asks."""

import pytest
from django.db import DatabaseError, connection, transaction

from members import services as members
from procurement.models import BidEvent
from secretariat.kernel.models import AppendOnlyError, TimelineEvent
from tests.conftest import refresh
from tests.procurement.helpers import bid, to_tendering

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(people, japan):
    members.member_transition(
        member_state=japan, to_status="invited", actor=people.officer, reason="r"
    )
    return TimelineEvent.objects.filter(to_status="invited").get()


@pytest.fixture
def bid_event(people, bidders, tender):
    (_m, rep), _ = bidders
    return bid(rep, to_tendering(tender, people)).events.get()


def test_the_application_refuses_to_change_or_delete_audit_records(event, bid_event):
    for record, field in ((event, "description"), (bid_event, "sealed_digest")):
        model = type(record)
        before = getattr(record, field)
        setattr(record, field, "rewritten")
        with pytest.raises(AppendOnlyError, match="never changed"):
            record.save()
        with pytest.raises(AppendOnlyError, match="never deleted"):
            record.delete()
        with pytest.raises(AppendOnlyError, match="never changed"):
            model.objects.filter(pk=record.pk).update(**{field: "rewritten"})
        with pytest.raises(AppendOnlyError, match="never deleted"):
            model.objects.filter(pk=record.pk).delete()
        assert getattr(refresh(record), field) == before


def test_the_database_refuses_update_and_delete_on_postgresql(event, bid_event):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's; SQLite relies on the application")
    for record, column in ((event, "description"), (bid_event, "sealed_digest")):
        table = type(record)._meta.db_table
        for sql in (
            f"UPDATE {table} SET {column} = 'x' WHERE id = %s",  # noqa: S608
            f"DELETE FROM {table} WHERE id = %s",  # noqa: S608
        ):
            with (
                pytest.raises(DatabaseError, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql, [record.pk])
    assert TimelineEvent.objects.filter(pk=event.pk).exists()
    assert BidEvent.objects.filter(pk=bid_event.pk).exists()
