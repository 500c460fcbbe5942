"""Records that show tampering (issue 19, item 2): every ledger entry, timeline
event, bid event and security event is chained by SHA-256; ``verify_integrity``
names the first entry that no longer matches, the fund statement and the OCDS
packages print the heads, and a head kept yesterday is accepted today. (TRUNCATE
is refused on each table: tests/secretariat/test_append_only_truncate.py.)"""

import re
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import close_old_connections, connection, transaction
from django.urls import reverse

from procurement import services as procurement
from secretariat.accounts import audit
from secretariat.accounts.integrity import integrity_verify
from secretariat.accounts.models import SecurityEvent, SecurityEventKind
from secretariat.accounts.tasks import verify_integrity
from secretariat.fund.models import LedgerEntry, Pool
from secretariat.kernel import chain
from secretariat.kernel.models import ChainHead, TimelineEvent
from secretariat.notifications.models import Notification, NotificationKind
from tests.procurement.conftest import bidders, tender  # noqa: F401
from tests.procurement.helpers import bid, past_deadline, to_tendering
from tests.secretariat.fund_fixtures import receive
from tests.secretariat.report_fixtures import build, pdf_text, tables

HASH = re.compile(r"[0-9a-f]{64}")


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("verify_integrity", *args, stdout=out)
    return out.getvalue()


def behind_the_triggers(sql, params=()):
    """Change rows as whoever controls the database server would: past the
    append-only triggers (a superuser's replica mode on PostgreSQL; SQLite has
    no trigger)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def unrestricted_entries():
    return LedgerEntry.objects.filter(pool__code="unrestricted").order_by("chain_seq")


@pytest.fixture
def ledger(people, latvia, uk):
    for amount in ("1000.00", "2000.00", "3000.00"):
        receive(people, latvia, amount)
    return list(unrestricted_entries())


@pytest.mark.django_db
def test_every_append_is_chained_to_the_one_before(ledger):
    first, second, third = ledger
    assert first.chain == f"ledger/pool-{first.pool_id}"
    assert [e.chain_seq for e in ledger] == [1, 2, 3]
    assert first.prev_hash == chain.GENESIS
    assert second.prev_hash == first.entry_hash
    assert third.prev_hash == second.entry_hash
    assert HASH.fullmatch(third.entry_hash)
    head = ChainHead.objects.get(chain=first.chain)
    assert (head.seq, head.head_hash) == (3, third.entry_hash)
    assert "Intact:" in run()


@pytest.mark.django_db
def test_a_changed_ledger_row_is_named(ledger):
    changed = ledger[1]
    behind_the_triggers(
        "UPDATE secretariat_ledgerentry SET amount_eur = amount_eur + 1 WHERE id = %s",
        [changed.pk],
    )
    with pytest.raises(CommandError) as refused:
        run()
    message = str(refused.value)
    assert (
        f"secretariat_ledgerentry id {changed.pk} (chain {changed.chain} #2): "
        "its content no longer matches its hash"
    ) in message
    # Only the first break of the chain: what follows it is not blamed.
    assert f"id {ledger[2].pk} " not in message


@pytest.mark.django_db
def test_a_removed_row_names_the_entry_after_it(ledger):
    behind_the_triggers(
        "DELETE FROM secretariat_ledgerentry WHERE id = %s", [ledger[1].pk]
    )
    with pytest.raises(CommandError, match=f"id {ledger[2].pk} .*missing"):
        run()


@pytest.mark.django_db
def test_the_last_row_removed_is_seen_against_the_head(ledger):
    behind_the_triggers(
        "DELETE FROM secretariat_ledgerentry WHERE id = %s", [ledger[2].pk]
    )
    with pytest.raises(CommandError, match="ends before its recorded head"):
        run()


@pytest.mark.django_db
def test_a_row_copied_in_without_a_hash_is_named(people, ledger):
    SecurityEvent.objects.bulk_create(
        [SecurityEvent(kind=SecurityEventKind.LOGIN, username="ghost")]
    )
    ghost = SecurityEvent.objects.get(username="ghost")
    with pytest.raises(CommandError, match=f"id {ghost.pk} .*carries no hash"):
        run()


@pytest.mark.django_db
def test_the_statement_head_changes_and_yesterdays_head_is_accepted(
    people, latvia, ledger, client_for
):
    page = client_for(people.finance).get(reverse("fund_statement"))
    yesterday = ledger[-1].entry_hash
    assert yesterday in page.content.decode()
    receive(people, latvia, "4000.00")
    today = unrestricted_entries().last().entry_hash
    assert today != yesterday
    page = client_for(people.finance).get(reverse("fund_statement")).content.decode()
    assert today in page and yesterday not in page
    out = run("--since-head", yesterday)
    assert f"entry #3 of chain {ledger[-1].chain}" in out
    assert "Intact: 1 chains, 4 entries." in out


@pytest.mark.django_db
def test_a_rewritten_history_refuses_the_kept_head(people, ledger):
    """Whoever changes a row and then recomputes every hash after it passes the
    walk of the chain alone; the head a reader kept is then no longer in it."""
    kept = ledger[-1].entry_hash
    name = ledger[0].chain
    behind_the_triggers(
        "UPDATE secretariat_ledgerentry SET memo = 'rewritten', entry_hash = '' "
        "WHERE chain = %s",
        [name],
    )
    ChainHead.objects.filter(chain=name).delete()
    with transaction.atomic():
        behind_the_triggers("SELECT 1")  # and the backfill's updates with it
        chain.backfill(
            LedgerEntry, ChainHead, lambda row: row.chain_name(), using="default"
        )
    assert "Intact:" in run()
    with pytest.raises(CommandError, match=f"{kept}: not an entry of any chain"):
        run("--since-head", kept)


@pytest.mark.django_db
def test_the_statement_report_and_api_print_the_heads(people, ledger, api_for):
    pool = Pool.objects.get(code="unrestricted")
    report = build(people.finance, "fund_statement", "csv")
    heads = {row["Pool"]: row for row in tables(report)["Ledger chain heads"]}
    assert heads[pool.name]["Head (SHA-256)"] == ledger[-1].entry_hash
    assert str(heads[pool.name]["Entries"]) == "3"
    pdf = build(people.finance, "fund_statement", "pdf")
    assert ledger[-1].entry_hash[:20] in pdf_text(pdf).replace("\n", "")
    body = api_for(people.finance).get("/api/fund-statement/").json()
    assert {
        "pool": "unrestricted",
        "chain": ledger[-1].chain,
        "entries": 3,
        "hash": ledger[-1].entry_hash,
    } in body["heads"]


@pytest.mark.django_db
def test_the_ocds_packages_carry_the_tenders_heads(
    people,
    bidders,  # noqa: F811
    tender,  # noqa: F811
    client,
):
    (_maker, rep), _other = bidders
    tender = to_tendering(tender, people)
    bid(rep, tender)
    reference = tender.case.reference
    urls = [
        reverse("procurement:ocds_release_package", args=[reference]),
        reverse("procurement:ocds_record_package", args=[reference]),
    ]
    timeline = ChainHead.objects.get(chain=f"timeline/case-{tender.case_id}")
    for url in urls:
        header = client.get(url)["Chain-Heads"]
        assert f"{timeline.chain}={timeline.seq}:{timeline.head_hash}" in header
        # Sealed: not even the number of bid events is told.
        assert "bids/" not in header
    tender = past_deadline(tender)
    procurement.tender_open(tender=tender, actor=people.procurement)
    lot = tender.lots.get()
    bids = ChainHead.objects.get(chain=f"bids/lot-{lot.pk}")
    for url in urls:
        header = client.get(url)["Chain-Heads"]
        assert f"bids/lot-{lot.pk}={bids.seq}:{bids.head_hash}" in header


@pytest.mark.django_db
def test_every_chained_table_verifies(
    people,
    bidders,  # noqa: F811
    tender,  # noqa: F811
    ledger,
):
    (_maker, rep), _other = bidders
    bid(rep, to_tendering(tender, people))
    audit.record(SecurityEventKind.LOGIN, user=people.officer)
    intact, breaks = chain.verify()
    assert breaks == []
    prefixes = {state.chain.split("/")[0] for state in intact}
    assert prefixes == {"ledger", "timeline", "bids", "security"}
    event = TimelineEvent.objects.filter(case=tender.case).latest("id")
    behind_the_triggers(
        "UPDATE secretariat_timelineevent SET reason = 'edited' WHERE id = %s",
        [event.pk],
    )
    with pytest.raises(CommandError, match=f"secretariat_timelineevent id {event.pk}"):
        run()


@pytest.mark.django_db
def test_the_periodic_task_raises_the_alarm(people, ledger):
    assert verify_integrity() is True
    assert not SecurityEvent.objects.filter(kind=SecurityEventKind.INTEGRITY_BROKEN)
    behind_the_triggers(
        "UPDATE secretariat_ledgerentry SET memo = 'x' WHERE id = %s", [ledger[0].pk]
    )
    assert verify_integrity() is False
    alarm = SecurityEvent.objects.get(kind=SecurityEventKind.INTEGRITY_BROKEN)
    assert f"secretariat_ledgerentry id {ledger[0].pk}" in alarm.detail
    told = Notification.objects.filter(kind=NotificationKind.INTEGRITY_BROKEN)
    assert {n.recipient for n in told} == {people.admin}
    assert f"id {ledger[0].pk}" in told.get().title
    # The alarm itself is chained, and the report says what is broken.
    assert integrity_verify().breaks[0].entry_id == ledger[0].pk


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_appends_to_one_chain_end_in_one_valid_chain(people):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes one writer at a time; the race is PostgreSQL's")
    threads_count, each = 4, 10
    barrier = threading.Barrier(threads_count)
    errors = []

    def append(index):
        try:
            barrier.wait(timeout=30)
            for n in range(each):
                with transaction.atomic():
                    audit.record(SecurityEventKind.LOGIN, username=f"racer-{index}-{n}")
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=append, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    rows = list(SecurityEvent.objects.order_by("chain_seq"))
    assert len(rows) == threads_count * each
    assert [r.chain_seq for r in rows] == list(range(1, len(rows) + 1))
    intact, breaks = chain.verify(["security"])
    assert breaks == []
    assert intact[0].seq == len(rows)


def test_beat_runs_the_check_every_night():
    from django.conf import settings

    from secretariat.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["verify-integrity"]
    assert entry["task"] == "secretariat.accounts.tasks.verify_integrity"
    assert entry["task"] in app.tasks
