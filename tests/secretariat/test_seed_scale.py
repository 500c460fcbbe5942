"""The scale data set is for PostgreSQL benchmarks only, and never mixes into a
database that holds other data."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the refusal is SQLite's")
def test_seed_scale_refuses_sqlite():
    with pytest.raises(CommandError, match="PostgreSQL only"):
        call_command("seed_scale", "--scale", "1")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_seed_scale_refuses_a_database_with_other_data(latvia):
    with pytest.raises(CommandError, match="not scale data"):
        call_command("seed_scale", "--scale", "1")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_seed_scale_fills_a_coalition_the_pages_can_read():
    """A small run of the bench's seed (one hundredth of its default): every
    table it fills is written in proportion, the heavy tender is in evaluation
    with its committee half-way, and the tables are vacuumed for index-only
    counts."""
    from procurement import selectors
    from procurement.models import Bid, CommitteeMember, Score, Tender
    from secretariat.fund.models import DisbursementRequest, LedgerEntry
    from secretariat.kernel.models import TimelineEvent

    call_command("seed_scale", "--scale", "1", stdout=io.StringIO())

    assert 150 <= Bid.objects.count() <= 3_000  # 2,000 at scale 1, and the heavy 400
    assert 1_900 <= DisbursementRequest.objects.count() <= 2_100
    assert LedgerEntry.objects.count() >= 19_000
    assert TimelineEvent.objects.count() >= 45_000
    heavy = (
        Tender.objects.filter(status="evaluation")
        .annotate(n=Count("lots__bids"))
        .order_by("-n")
        .first()
    )
    # Ten lots with 40 bids each at the default scale; here each vetted
    # manufacturer bids on each lot.
    assert heavy.lots.count() == 10
    assert heavy.n >= 100
    seats = list(CommitteeMember.objects.filter(tender=heavy).order_by("id"))
    assert [s.scores_submitted_at is not None for s in seats] == [False, True, True]
    # Two full sheets and a third of one, five criteria each.
    live = Bid.objects.filter(lot__tender=heavy, status="submitted").count()
    assert live > 0.9 * heavy.n  # a few are withdrawn
    assert Score.objects.filter(member__in=seats[1:]).count() == 2 * 5 * live
    assert 0 < Score.objects.filter(member=seats[0]).count() < 5 * live

    ranking = selectors.ranking(heavy, leaders=5)
    assert ranking.sheets == 2
    assert sum(ranking.per_lot.values()) == live
    assert all(len([r for r in ranking.ranked if r.bid.lot.number == n]) == 5
               for n in ranking.per_lot)  # fmt: skip

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relallvisible FROM pg_class WHERE relname = %s",
            [DisbursementRequest._meta.db_table],
        )
        assert cursor.fetchone()[0] > 0
