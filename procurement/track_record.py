"""A manufacturer's track record, computed from the record: its deliveries, the
acceptance tests, Ukraine's receipts and the field reports on its batches.

Read in a fixed number of queries (two, whatever the number of companies),
for one manufacturer (``track_record``) or many at once (``track_records``, as
the evaluation page does for the bids it shows), or carried by the rows of a
list at no query of its own (``record_facts``, as the tender's page does for
its opened bids). Who may see a record, and where, is the policy
``manufacturer.view_track_record``; ``beside_bids`` asks it for each bid of a
page.

What the figures mean:

- **On time / late**: every batch reported under a contract, accepted,
  rejected or awaiting its tests, counts once: on time if it was reported on
  or before its milestone's due date (the day of the report in the fund's time
  zone), late otherwise. A rejected batch counts too: whether it came on time
  is apart from whether it passed. **Milestones overdue** are those of signed
  contracts (not completed nor terminated) whose due date has passed with units
  still to deliver (rejected batches do not count as delivered).
- **Units accepted / rejected**: of the batches the secretariat has decided,
  the units accepted (``quantity_accepted``) and the rest of each batch
  (``quantity - quantity_accepted``: all of a rejected batch, the refused part
  of an accepted one). Units still **awaiting tests** are those of batches not
  yet decided.
- **Receipts**: Ukraine's confirmations of accepted batches; **with a
  discrepancy** those that opened a discrepancy case (fewer received, or
  damaged), split into open and resolved; the units missing and damaged are the
  cases' own figures.
- **Field ratings**: the ratings (1 to 5) of the field reports on the
  company's received batches, on the tender's criteria except price: the mean
  per criterion over every report that rated it, the overall mean of every
  rating given, and the same per calendar quarter of filing (the fund's time
  zone), oldest first. **Units failed / lost** are summed as reported over the
  reports (a unit reported twice counts twice: the reports say what the units
  did, not which).

Only aggregates: no lesson, failure text, sensitive detail or submitter is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    Count,
    F,
    FloatField,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import (
    Cast,
    Coalesce,
    JSONObject,
    TruncDate,
    TruncQuarter,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.models import (
    TYPED_CRITERIA,
    CommitteeMember,
    ContractStatus,
    Delivery,
    DeliveryStatus,
    DiscrepancyStatus,
    FieldReport,
    Manufacturer,
    MemberStanding,
    Milestone,
    Receipt,
)
from procurement.policy.evaluation import is_evaluator
from secretariat.kernel import policy

# The criteria a field report rates: the tender's own, except price.
RATED_CRITERIA = tuple(TYPED_CRITERIA)
TENTH = Decimal("0.1")


def _tenth(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(TENTH, ROUND_HALF_UP)


def _percent(part: int, whole: int) -> int | None:
    if not whole:
        return None
    return int((Decimal(part) * 100 / whole).quantize(Decimal(1), ROUND_HALF_UP))


def _overall(sums: dict, counts: dict) -> Decimal | None:
    """The mean of every rating given: each criterion's mean weighted by how
    many reports rated it."""
    given = sum(counts.values())
    if not given:
        return None
    total = sum(sums[c] * counts[c] for c in counts if counts[c])
    return _tenth(total / given)


def _criterion_labels():
    from procurement.forms import CRITERION_LABELS

    return [CRITERION_LABELS[c] for c in RATED_CRITERIA]


@dataclass
class QuarterRatings:
    start: date
    reports: int
    ratings: dict[str, Decimal | None]
    overall: Decimal | None

    @property
    def label(self) -> str:
        return _("%(year)d Q%(quarter)d") % {
            "year": self.start.year,
            "quarter": (self.start.month - 1) // 3 + 1,
        }

    @property
    def values(self) -> list[Decimal | None]:
        return [self.ratings.get(c) for c in RATED_CRITERIA]


@dataclass
class TrackRecord:
    manufacturer_id: int
    batches: int = 0
    on_time: int = 0
    late: int = 0
    milestones_overdue: int = 0
    units_delivered: int = 0
    units_accepted: int = 0
    units_rejected: int = 0
    units_awaiting_tests: int = 0
    receipts: int = 0
    receipts_with_discrepancy: int = 0
    discrepancies_open: int = 0
    discrepancies_resolved: int = 0
    units_received: int = 0
    units_missing: int = 0
    units_damaged: int = 0
    field_reports: int = 0
    units_failed: int = 0
    units_lost: int = 0
    ratings: dict[str, Decimal | None] = field(default_factory=dict)
    overall_rating: Decimal | None = None
    quarters: list[QuarterRatings] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.batches or self.milestones_overdue)

    @property
    def on_time_percent(self) -> int | None:
        return _percent(self.on_time, self.on_time + self.late)

    @property
    def units_tested(self) -> int:
        return self.units_accepted + self.units_rejected

    @property
    def accepted_percent(self) -> int | None:
        return _percent(self.units_accepted, self.units_tested)

    @property
    def receipts_without_discrepancy(self) -> int:
        return self.receipts - self.receipts_with_discrepancy

    @property
    def discrepancy_percent(self) -> int | None:
        return _percent(self.receipts_with_discrepancy, self.receipts)

    @property
    def criteria(self) -> list:
        """The rated criteria's labels, in the order of ``values``."""
        return _criterion_labels()

    @property
    def rating_rows(self) -> list[tuple[str, Decimal | None]]:
        return list(
            zip(
                _criterion_labels(),
                (self.ratings.get(c) for c in RATED_CRITERIA),
                strict=True,
            )
        )


def rating_aggregates() -> dict:
    """Per criterion: the mean of field reports' ratings and how many reports
    rated it (aggregates over ``FieldReport`` rows; ``ratings_of`` reads them)."""
    aggregates = {}
    for criterion in RATED_CRITERIA:
        value = Cast(KeyTextTransform(criterion, "ratings"), FloatField())
        aggregates[f"avg_{criterion}"] = Avg(value)
        aggregates[f"n_{criterion}"] = Count(value)
    return aggregates


def ratings_of(row: dict) -> tuple[dict, Decimal | None]:
    """The means per criterion (one decimal) and the overall mean of a row of
    ``rating_aggregates``."""
    means = {c: row[f"avg_{c}"] for c in RATED_CRITERIA}
    counts = {c: row[f"n_{c}"] if means[c] is not None else 0 for c in RATED_CRITERIA}
    overall = _overall({c: means[c] or 0 for c in RATED_CRITERIA}, counts)
    return {c: _tenth(means[c]) for c in RATED_CRITERIA}, overall


def _json(queryset, group: str, **figures) -> Subquery:
    """One JSON object of ``figures`` (aggregates) over ``queryset``'s rows of
    the manufacturer its ``group`` path names."""
    return Subquery(
        queryset.values(group).annotate(data=JSONObject(**figures)).values("data"),
        output_field=JSONField(),
    )


def record_facts(path: str = "pk") -> dict:
    """Annotations that carry a manufacturer's figures (all but the quarters)
    on any queryset whose rows lead to it by ``path`` (``"pk"`` on
    manufacturers, ``"manufacturer_id"`` on bids): four subqueries per row, no
    query of their own. ``record_from`` reads them."""
    maker = OuterRef(path)
    decided = Q(status__in=[DeliveryStatus.ACCEPTED, DeliveryStatus.REJECTED])
    deliveries = _json(
        Delivery.objects.filter(contract__manufacturer_id=maker).annotate(
            reported_on=TruncDate("reported_at")
        ),
        "contract__manufacturer_id",
        batches=Count("pk"),
        on_time=Count("pk", filter=Q(reported_on__lte=F("milestone__due_on"))),
        delivered=Sum("quantity"),
        accepted=Sum("quantity_accepted", filter=Q(status=DeliveryStatus.ACCEPTED)),
        decided=Sum("quantity", filter=decided),
        awaiting=Sum("quantity", filter=Q(status=DeliveryStatus.REPORTED)),
    )
    # A milestone's units still to deliver: rejected batches go back.
    reported = (
        Delivery.objects.filter(milestone=OuterRef("pk"))
        .exclude(status=DeliveryStatus.REJECTED)
        .values("milestone")
        .annotate(n=Sum("quantity"))
        .values("n")
    )
    overdue = Subquery(
        Milestone.objects.filter(
            contract__manufacturer_id=maker,
            contract__status=ContractStatus.SIGNED,
            due_on__lt=timezone.localdate(),
        )
        .annotate(
            left=F("quantity")
            - Coalesce(Subquery(reported, output_field=IntegerField()), 0)
        )
        .filter(left__gt=0)
        .values("contract__manufacturer_id")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )
    receipts = _json(
        Receipt.objects.filter(delivery__contract__manufacturer_id=maker),
        "delivery__contract__manufacturer_id",
        receipts=Count("pk"),
        received=Sum("quantity_received"),
        found=Count("discrepancy"),
        open=Count("discrepancy", filter=Q(discrepancy__status=DiscrepancyStatus.OPEN)),
        missing=Sum("discrepancy__units_missing"),
        damaged=Sum("discrepancy__units_damaged"),
    )
    reports = _json(
        FieldReport.objects.filter(receipt__delivery__contract__manufacturer_id=maker),
        "receipt__delivery__contract__manufacturer_id",
        reports=Count("pk"),
        failed=Sum("units_failed"),
        lost=Sum("units_lost"),
        **rating_aggregates(),
    )
    return {
        "track_deliveries": deliveries,
        "track_overdue": overdue,
        "track_receipts": receipts,
        "track_reports": reports,
    }


def record_from(row, manufacturer_id: int) -> TrackRecord:
    """The track record from the annotations of ``record_facts`` on ``row``
    (without its quarters)."""
    record = TrackRecord(manufacturer_id=manufacturer_id)
    deliveries = getattr(row, "track_deliveries", None) or {}
    if deliveries:
        record.batches = deliveries["batches"]
        record.on_time = deliveries["on_time"]
        record.late = record.batches - record.on_time
        record.units_delivered = deliveries["delivered"] or 0
        record.units_accepted = deliveries["accepted"] or 0
        record.units_rejected = (deliveries["decided"] or 0) - record.units_accepted
        record.units_awaiting_tests = deliveries["awaiting"] or 0
    record.milestones_overdue = getattr(row, "track_overdue", None) or 0
    receipts = getattr(row, "track_receipts", None) or {}
    if receipts:
        record.receipts = receipts["receipts"]
        record.units_received = receipts["received"] or 0
        record.receipts_with_discrepancy = receipts["found"]
        record.discrepancies_open = receipts["open"]
        record.discrepancies_resolved = receipts["found"] - receipts["open"]
        record.units_missing = receipts["missing"] or 0
        record.units_damaged = receipts["damaged"] or 0
    reports = getattr(row, "track_reports", None) or {}
    if reports:
        record.field_reports = reports["reports"]
        record.units_failed = reports["failed"] or 0
        record.units_lost = reports["lost"] or 0
        record.ratings, record.overall_rating = ratings_of(reports)
    return record


def _add_quarters(records: dict[int, TrackRecord]) -> None:
    maker = "receipt__delivery__contract__manufacturer_id"
    for row in (
        FieldReport.objects.filter(**{f"{maker}__in": list(records)})
        .annotate(quarter=TruncQuarter("filed_at"))
        .values(maker, "quarter")
        .annotate(reports=Count("pk"), **rating_aggregates())
        .order_by("quarter")
    ):
        ratings, overall = ratings_of(row)
        records[row[maker]].quarters.append(
            QuarterRatings(
                start=timezone.localtime(row["quarter"]).date(),
                reports=row["reports"],
                ratings=ratings,
                overall=overall,
            )
        )


def track_records(manufacturer_ids, *, quarters: bool = True) -> dict[int, TrackRecord]:
    """The track record of each manufacturer of ``manufacturer_ids``, in two
    queries however many there are (one without the ``quarters``; none for
    none)."""
    ids = sorted({int(pk) for pk in manufacturer_ids})
    if not ids:
        return {}
    rows = Manufacturer.objects.filter(pk__in=ids).only("pk").annotate(**record_facts())
    records = {row.pk: record_from(row, row.pk) for row in rows}
    if quarters:
        _add_quarters(records)
    return records


def track_record(manufacturer) -> TrackRecord:
    """One manufacturer's track record (``manufacturer`` or its id)."""
    pk = getattr(manufacturer, "pk", manufacturer)
    return track_records([pk])[pk]


VIEW = "manufacturer.view_track_record"


def track_record_for(user, manufacturer) -> TrackRecord | None:
    """The company's track record if ``user`` may see it on its page; else
    ``None``."""
    if not policy.may(VIEW, user, manufacturer):
        return None
    return track_record(manufacturer)


def shown_beside(user, bids, *, declared_tenders=None) -> list:
    """The bids of ``bids`` beside which the policy lets ``user`` see the
    track record (at most one query: an evaluator's declared seats)."""
    bids = list(bids)
    if bids and is_evaluator(user):
        if declared_tenders is None:
            declared_tenders = set(
                CommitteeMember.objects.filter(
                    evaluator=user,
                    standing=MemberStanding.DECLARED,
                    tender_id__in={bid.lot.tender_id for bid in bids},
                ).values_list("tender_id", flat=True)
            )
        for bid in bids:
            # What the policy reads of the seat, loaded for the whole page.
            bid.viewer_declared = bid.lot.tender_id in declared_tenders
    return [bid for bid in bids if policy.may(VIEW, user, bid)]


def beside_bids(
    user, bids, *, declared_tenders=None, quarters: bool = True
) -> dict[int, TrackRecord]:
    """The track record to show beside each bid of ``bids`` (a page of them,
    read with ``lot__tender``), by bid id: only where the policy lets ``user``
    see it. A fixed number of queries, whatever the number of bids: two for the
    records, one for an evaluator's declared seats.

    What the page already knows it passes on, like ``LOT_AWARD_FACTS``:
    ``declared_tenders``, the tenders where the evaluator sits having declared
    no conflict (the evaluation page's own seat); bids annotated with
    ``record_facts("manufacturer_id")`` carry their records (without the
    quarters) and cost no query."""
    shown = shown_beside(user, bids, declared_tenders=declared_tenders)
    if not shown:
        return {}
    if all(hasattr(bid, "track_deliveries") for bid in shown):
        return {bid.pk: record_from(bid, bid.manufacturer_id) for bid in shown}
    records = track_records((bid.manufacturer_id for bid in shown), quarters=quarters)
    return {bid.pk: records[bid.manufacturer_id] for bid in shown}
