"""Records that show tampering: hash chains over the append-only tables.

Every ledger entry, timeline event, bid event and security event carries the
SHA-256 of its own content (``entry_hash``) and of the entry before it in its
chain (``prev_hash``), and its place in the chain (``chain_seq``). The triggers
of PostgreSQL refuse UPDATE, DELETE and TRUNCATE, but whoever controls the
database server can switch them off; then a changed, removed or inserted row no
longer matches the hashes after it, and ``manage.py verify_integrity`` names it.
Whoever rewrites every hash after the row they changed is caught by the heads
published outside the database (the fund statement, the OCDS packages): a head
kept yesterday must still be an entry of today's chain
(``verify_integrity --since-head``).

Chains, chosen so that writers who do not already wait for each other never
wait for a chain either:
- the ledger: one per pool (``ledger/pool-<id>``); every posting already locks
  its pool's row, so the chain adds no new contention;
- timelines: one per case (``timeline/case-<id>``), or per subject for events
  outside a case (``timeline/<app>.<model>-<id>``): one case's events are
  written one after the other anyway;
- bid trails: one per lot (``bids/lot-<id>``), published only once opened
  (before that even the number of events would tell how many bids there are);
- the security log: one chain (``security``); its writes are short.

An append locks the chain's ``ChainHead`` row (SELECT ... FOR UPDATE; SQLite
takes its write lock at BEGIN IMMEDIATE), so two writers queue instead of
forking the chain, and the unique (chain, chain_seq) index is the last guard.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from django.apps import apps
from django.db import connections, models, router, transaction
from django.db.models.expressions import DatabaseDefault
from django.utils import timezone

GENESIS = "0" * 64

# The chained models, as "app_label.ModelName", in the order they are checked.
CHAINED_MODELS = [
    "secretariat.LedgerEntry",
    "secretariat.TimelineEvent",
    "procurement.BidEvent",
    "secretariat.SecurityEvent",
]

# Not part of the content: the row's id is the database's choice, and the hash
# cannot contain itself.
EXCLUDED = {"id", "entry_hash"}


def _canonical_value(field, value):
    value = field.to_python(value)
    if value is None:
        return None
    if isinstance(field, models.DecimalField):
        return str(Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places)))
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value, timezone.get_default_timezone())
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(field, models.GenericIPAddressField):
        return str(ipaddress.ip_address(value))
    if isinstance(value, bool | int):
        return value
    return str(value)


def canonical(obj) -> dict:
    """The row's content: every stored field but the id and the hash itself, by
    column name; a NULL is left out (so that a nullable column added later does
    not change the hashes of the rows before it)."""
    data = {}
    for field in obj._meta.concrete_fields:
        if field.attname in EXCLUDED:
            continue
        value = _canonical_value(field, getattr(obj, field.attname))
        if value is not None:
            data[field.column] = value
    return data


def digest(table: str, data: dict) -> str:
    """SHA-256 of the sorted JSON of a row's content and its table's name."""
    text = json.dumps(
        {"table": table, "row": data},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def entry_digest(obj) -> str:
    return digest(obj._meta.db_table, canonical(obj))


def _locked_head(name: str, using: str):
    from secretariat.kernel.models import ChainHead

    heads = ChainHead.objects.using(using).select_for_update()
    head = heads.filter(chain=name).first()
    if head is None:
        # The chain's first entry: two writers may both create the head; the
        # unique key lets one win (the other's insert does nothing) and the
        # other waits for its row. One statement, no savepoint: a request that
        # opens many chains at once (a tender's publication) pays two queries
        # for each, not six.
        ChainHead.objects.using(using).bulk_create(
            [ChainHead(chain=name)], ignore_conflicts=True
        )
        head = heads.get(chain=name)
    return head


def stamp(obj) -> None:
    """Give ``obj`` (about to be inserted) its place in its chain and its hash,
    and move the chain's head to it. Runs inside the caller's transaction,
    whose end releases the head."""
    using = router.db_for_write(type(obj), instance=obj)
    if not transaction.get_connection(using).in_atomic_block:
        raise RuntimeError("chain.stamp() runs inside a transaction")
    head = _locked_head(obj.chain_name(), using)
    obj.chain = head.chain
    obj.chain_seq = head.seq + 1
    obj.prev_hash = head.head_hash
    obj.entry_hash = entry_digest(obj)
    head.seq = obj.chain_seq
    head.head_hash = obj.entry_hash
    head.updated_at = timezone.now()
    head.save(update_fields=["seq", "head_hash", "updated_at"])


class ChainedModel(models.Model):
    """An append-only record in a hash chain (see the module's docstring).
    Subclasses say which chain a row belongs to (``chain_name``) and declare
    the unique (chain, chain_seq) constraint in their own ``Meta``."""

    # Defaults in the database too: bulk loads (``seed_scale``'s COPY) leave
    # them out, and ``backfill`` chains those rows afterwards.
    chain = models.CharField(max_length=80, blank=True, editable=False, db_default="")
    chain_seq = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    prev_hash = models.CharField(
        max_length=64, blank=True, editable=False, db_default=""
    )
    entry_hash = models.CharField(
        max_length=64, blank=True, editable=False, db_index=True, db_default=""
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # A new row's hash is unset: empty, or the database default it would
        # get (``DatabaseDefault``, which is truthy).
        unset = not self.entry_hash or isinstance(self.entry_hash, DatabaseDefault)
        if self._state.adding and unset:
            using = kwargs.get("using") or router.db_for_write(
                type(self), instance=self
            )
            with transaction.atomic(using=using):
                stamp(self)
                super().save(*args, **kwargs)
            return
        super().save(*args, **kwargs)

    def chain_name(self) -> str:
        raise NotImplementedError


# ---------------------------------------------------------------- checking


@dataclass(frozen=True)
class Break:
    """The first entry of a chain that no longer matches."""

    table: str
    chain: str
    entry_id: int | None
    seq: int | None
    problem: str

    def __str__(self) -> str:
        where = f"{self.table} id {self.entry_id}" if self.entry_id else self.table
        place = f" #{self.seq}" if self.seq is not None else ""
        return f"{where} (chain {self.chain}{place}): {self.problem}"


@dataclass(frozen=True)
class ChainState:
    table: str
    chain: str
    seq: int
    head: str


def chained_models() -> list[type[models.Model]]:
    return [apps.get_model(label) for label in CHAINED_MODELS]


def _walk(model, chains: list[str] | None = None):
    """Check every chain of ``model`` (or those named): yields each chain's
    state when intact, or its first ``Break``."""
    from secretariat.kernel.models import ChainHead

    table = model._meta.db_table
    rows = model._base_manager.all()
    if chains is not None:
        rows = rows.filter(chain__in=chains)
    unchained = rows.filter(models.Q(chain="") | models.Q(chain_seq__isnull=True))
    for row in unchained.order_by("id")[:1]:
        yield Break(table, row.chain or "-", row.pk, None, "carries no hash")
    prefix = _prefix(model)
    heads = ChainHead.objects.filter(chain__startswith=prefix)
    if chains is not None:
        heads = heads.filter(chain__in=chains)
    heads = {h.chain: h for h in heads}
    seen = set()
    current, expected_seq, prev, broken = None, 1, GENESIS, False
    last_id = None

    def finish():
        head = heads.get(current)
        if head is None:
            return Break(table, current, last_id, expected_seq - 1, "its head is gone")
        if head.seq != expected_seq - 1 or head.head_hash != prev:
            return Break(
                table,
                current,
                last_id,
                expected_seq - 1,
                "the chain ends before its recorded head (entries removed)",
            )
        return ChainState(table, current, head.seq, head.head_hash)

    ordered = rows.exclude(chain="").exclude(chain_seq__isnull=True)
    for row in ordered.order_by("chain", "chain_seq").iterator(chunk_size=2000):
        if row.chain != current:
            if current is not None and not broken:
                yield finish()
            current, expected_seq, prev, broken = row.chain, 1, GENESIS, False
            seen.add(current)
        if broken:
            continue
        problem = None
        if row.chain_seq != expected_seq:
            problem = "an entry before it is missing or out of place"
        elif row.prev_hash != prev:
            problem = "it does not follow the entry before it"
        elif entry_digest(row) != row.entry_hash:
            problem = "its content no longer matches its hash"
        if problem:
            broken = True
            yield Break(table, current, row.pk, row.chain_seq, problem)
            continue
        prev, last_id, expected_seq = row.entry_hash, row.pk, expected_seq + 1
    if current is not None and not broken:
        yield finish()
    for name, head in heads.items():
        if name not in seen and head.seq:
            yield Break(table, name, None, None, "every entry of the chain is gone")


def _prefix(model) -> str:
    return {
        "secretariat_ledgerentry": "ledger/",
        "secretariat_timelineevent": "timeline/",
        "procurement_bidevent": "bids/",
        "secretariat_securityevent": "security",
    }[model._meta.db_table]


def verify(chains: list[str] | None = None) -> tuple[list[ChainState], list[Break]]:
    """Walk every chain (or those named); the intact ones and the first break of
    each broken one."""
    intact, breaks = [], []
    for model in chained_models():
        for result in _walk(model, chains):
            (breaks if isinstance(result, Break) else intact).append(result)
    return intact, breaks


def find_entry(entry_hash: str):
    """The chained row whose hash is ``entry_hash``, or None."""
    for model in chained_models():
        row = model._base_manager.filter(entry_hash=entry_hash.lower()).first()
        if row is not None:
            return row
    return None


def heads(prefix: str) -> list[dict]:
    """The current heads of the chains whose names start with ``prefix``, for
    publishing: name, number of entries and hash of the last one."""
    from secretariat.kernel.models import ChainHead

    return [
        {"chain": h.chain, "entries": h.seq, "hash": h.head_hash}
        for h in ChainHead.objects.filter(chain__startswith=prefix).order_by("chain")
    ]


def head_of(name: str) -> dict:
    from secretariat.kernel.models import ChainHead

    head = ChainHead.objects.filter(chain=name).first()
    return {
        "chain": name,
        "entries": head.seq if head else 0,
        "hash": head.head_hash if head else GENESIS,
    }


# ---------------------------------------------------------------- backfill


def backfill(model, head_model, name_of, *, using: str = "default") -> int:
    """Chain the rows of ``model`` that carry no hash yet, in id order, after
    their chains' current heads: the rows written before the chains existed (a
    data migration, with historical models) and rows copied in bulk
    (``seed_scale``). ``name_of(row)`` names a row's chain. The caller lets the
    rows be updated (on PostgreSQL the append-only trigger refuses it)."""
    heads = {h.chain: h for h in head_model.objects.using(using).all()}
    table = model._meta.db_table
    rows = model._base_manager.using(using).filter(entry_hash="").order_by("id")
    batch, done = [], 0
    for row in rows.iterator(chunk_size=2000):
        name = name_of(row)
        head = heads.get(name)
        if head is None:
            head = heads[name] = head_model(chain=name, seq=0, head_hash=GENESIS)
        row.chain, row.chain_seq, row.prev_hash = name, head.seq + 1, head.head_hash
        row.entry_hash = digest(table, canonical(row))
        head.seq, head.head_hash = row.chain_seq, row.entry_hash
        batch.append(row)
        if len(batch) >= 20000:
            done += _save_batch(model, batch, using)
            batch = []
    done += _save_batch(model, batch, using)
    now = timezone.now()
    for head in heads.values():
        head.updated_at = now
        head.save(using=using)
    return done


def _save_batch(model, batch, using) -> int:
    if not batch:
        return 0
    connection = connections[using]
    if connection.vendor != "postgresql":
        model._base_manager.using(using).bulk_update(
            batch, ["chain", "chain_seq", "prev_hash", "entry_hash"]
        )
        return len(batch)
    # Millions of rows (seed_scale): bulk_update's CASE per column costs minutes
    # per hundred thousand rows; the new columns are copied into a temporary
    # table and set by one join instead.
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS chain_backfill (id bigint PRIMARY KEY, "
            "chain text, chain_seq bigint, prev_hash text, entry_hash text) "
            "ON COMMIT DROP"
        )
        cursor.execute("TRUNCATE chain_backfill")
        with cursor.copy(
            "COPY chain_backfill (id, chain, chain_seq, prev_hash, entry_hash) "
            "FROM STDIN"
        ) as copy:
            for row in batch:
                copy.write_row(
                    (row.pk, row.chain, row.chain_seq, row.prev_hash, row.entry_hash)
                )
        cursor.execute(
            f"UPDATE {table} t SET chain = b.chain, chain_seq = b.chain_seq, "  # noqa: S608 - our table name
            "prev_hash = b.prev_hash, entry_hash = b.entry_hash "
            "FROM chain_backfill b WHERE t.id = b.id"
        )
    return len(batch)


def triggers_off(connection, table: str) -> None:
    """Let a backfill update ``table``'s rows (PostgreSQL's append-only trigger,
    switched off by the table's owner inside the caller's transaction)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")


def triggers_on(connection, table: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")


def backfill_all(*, using: str = "default") -> int:
    """Chain every row copied in without a hash (``seed_scale``'s COPY)."""
    from django.db import connections

    from secretariat.kernel.models import ChainHead

    connection = connections[using]
    lots = dict(
        apps.get_model("procurement", "Bid").objects.values_list("id", "lot_id")
    )
    done = 0
    for model in chained_models():
        if model._meta.db_table == "procurement_bidevent":

            def name_of(row):
                return f"bids/lot-{lots[row.bid_id]}"
        else:

            def name_of(row):
                return row.chain_name()

        table = model._meta.db_table
        with transaction.atomic(using=using):
            triggers_off(connection, table)
            done += backfill(model, ChainHead, name_of, using=using)
            triggers_on(connection, table)
    return done
