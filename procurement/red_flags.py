"""Integrity red flags: standard indicators computed over the coalition's own
procurement, for the people who watch it (``tender.view_red_flags``).

Each indicator is a published one (the Open Contracting Partnership's Cardinal
red flags, the IACRC guide's), adapted to one buyer, and its definition says
which. A flag is information for people, never a block: nothing here is asked
by a service.

Computed on request from the current data, so that a flag follows the tender
as it moves (an award cancelled takes its flags with it). Nothing bid-related
is read from a tender whose bids are sealed (``Tender.is_sealed``): not the
bidders, not their number, not their prices. The only thing kept between
requests is an opened bid's unit price, which can no longer change once its
tender is opened (so the key needs no invalidation).

The thresholds are settings (``RED_FLAG_*``)."""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from procurement.models import (
    Award,
    AwardStatus,
    Bid,
    BidStatus,
    Lot,
    Tender,
    TenderStatus,
    opened_tenders,
)
from procurement.sealing import unseal
from procurement.selectors import tenders_for
from secretariat.kernel.cache import safe_get_many, safe_set_many
from secretariat.kernel.formatting import day_text, eur

SHORT_PERIOD = "short_submission_period"
SINGLE_BIDDER = "single_bidder"
LOWEST_DISQUALIFIED = "lowest_bid_disqualified"
DISQUALIFIED_SHARE = "bids_disqualified"
SHARED_DETAILS = "bidders_share_details"
NEAR_ESTIMATE = "award_near_estimate"
REPEAT_WINNER = "repeat_winner"

HUNDRED = Decimal(100)


def thresholds() -> dict:
    """The settings every indicator reads, read now (tests may change them)."""
    return {
        "short_days": settings.RED_FLAG_SHORT_SUBMISSION_DAYS,
        "disqualified_percent": settings.RED_FLAG_DISQUALIFIED_PERCENT,
        "near_percent": Decimal(str(settings.RED_FLAG_NEAR_ESTIMATE_PERCENT)),
        "repeat_percent": settings.RED_FLAG_REPEAT_WINNER_PERCENT,
        "repeat_min_wins": settings.RED_FLAG_REPEAT_WINNER_MIN_WINS,
        "repeat_days": settings.RED_FLAG_REPEAT_WINNER_DAYS,
    }


@dataclass(frozen=True)
class Indicator:
    code: str
    title: str
    # What raises it, with its threshold and the published indicator it
    # follows.
    definition: str
    # Whether it reads bids (bidders, prices, eligibility, awards): never for a
    # sealed tender.
    bid_based: bool = True


_DEFINITIONS = {
    SHORT_PERIOD: (
        _l("Short submission period"),
        _l("Fewer than %(short_days)s days from the tender's publication to its "
           "submission deadline. Follows OCP Cardinal R003 (short submission "
           "period, default threshold 15 days)."),
        False,
    ),
    SINGLE_BIDDER: (
        _l("Single bidder"),
        _l("Once the bids are opened, a lot has exactly one submitted bid "
           "(withdrawn bids do not count). Follows OCP Cardinal R018 (single bid "
           "received)."),
        True,
    ),
    LOWEST_DISQUALIFIED: (
        _l("Lowest bid disqualified"),
        _l("Once the bids are opened, the submitted bid with the lowest unit "
           "price of a lot was found ineligible. Follows OCP Cardinal R036 "
           "(lowest bid disqualified); flagged from the opening, without "
           "waiting for an award, and although our award criterion is a "
           "weighted score, not price alone."),
        True,
    ),
    DISQUALIFIED_SHARE: (
        _l("Many bids disqualified"),
        _l("Once the bids are opened, at least %(disqualified_percent)s%% of the "
           "tender's submitted bids (two or more) were found ineligible. Adapted "
           "from OCP Cardinal R038 (excessive disqualified bids): the coalition is "
           "one buyer, so a fixed share per tender replaces the outlier fence "
           "across buyers."),
        True,
    ),
    SHARED_DETAILS: (
        _l("Bidders share an address or a bank account"),
        _l("Once the bids are opened, two or more manufacturers bidding on the "
           "same lot have the same address or the same bank account (IBAN), "
           "compared without case, spaces or punctuation. Follows OCP Cardinal "
           "R044 (business similarities between suppliers) and the IACRC red "
           "flag of apparent connections between bidders."),
        True,
    ),
    NEAR_ESTIMATE: (
        _l("Award price near the estimate"),
        _l("A live award's unit price is within %(near_percent)s%% below (or at) "
           "the lot's maximum unit price, the tender's published estimate. "
           "Follows the IACRC red flag of a winning bid very close to the budget "
           "or cost estimate, one of OCP's red flags for integrity."),
        True,
    ),
    REPEAT_WINNER: (
        _l("Same manufacturer winning repeatedly"),
        _l("A manufacturer won at least %(repeat_min_wins)s of the live awards "
           "recommended in the last %(repeat_days)s days, and at least "
           "%(repeat_percent)s%% of them; each tender it won in that period is "
           "flagged. Follows the IACRC red flag of a high number of contract "
           "awards to one bidder, one of OCP's red flags for integrity."),
        True,
    ),
}  # fmt: skip

CODES = list(_DEFINITIONS)


def indicators() -> list[Indicator]:
    """Every indicator, with its definition as the settings make it now."""
    limits = thresholds()
    return [
        Indicator(code, str(title), str(definition) % limits, bid_based)
        for code, (title, definition, bid_based) in _DEFINITIONS.items()
    ]


def indicator(code: str) -> Indicator:
    return {i.code: i for i in indicators()}[code]


def choices() -> list[tuple[str, str]]:
    return [(code, title) for code, (title, _d, _b) in _DEFINITIONS.items()]


@dataclass(frozen=True)
class Flag:
    indicator: Indicator
    evidence: str
    lot: int | None = None


@dataclass
class TenderFlags:
    tender: Tender
    flags: list[Flag] = field(default_factory=list)

    @property
    def codes(self) -> set[str]:
        return {flag.indicator.code for flag in self.flags}


# ---------------------------------------------------------------- selection


def _with_bids_in_a_lot(at_least: int = 1, exactly: int | None = None):
    lots = Lot.objects.filter(tender=OuterRef("pk")).annotate(
        n=Count("bids", filter=Q(bids__status=BidStatus.SUBMITTED))
    )
    lots = (
        lots.filter(n=exactly) if exactly is not None else lots.filter(n__gte=at_least)
    )
    return Exists(lots)


def _ineligible_bid():
    return Exists(
        Bid.objects.filter(
            lot__tender=OuterRef("pk"), status=BidStatus.SUBMITTED, eligible=False
        )
    )


def _live_award(since=None):
    awards = Award.objects.filter(lot__tender=OuterRef("pk")).exclude(
        status=AwardStatus.CANCELLED
    )
    if since is not None:
        awards = awards.filter(recommended_at__gte=since)
    return Exists(awards)


def candidates(tenders: QuerySet, code: str | None = None, *, now=None) -> QuerySet:
    """The tenders of ``tenders`` that may carry a flag (of ``code``, if given):
    a filter the database applies, so that only these are looked at. It is a
    necessary condition; ``flagged`` decides."""
    now = now or timezone.now()
    tenders = tenders.filter(published_at__isnull=False).exclude(
        status=TenderStatus.DRAFT
    )
    if code is None:
        return tenders
    if code == SHORT_PERIOD:
        days = timedelta(days=thresholds()["short_days"])
        return tenders.filter(submission_deadline__lt=F("published_at") + days)
    opened = tenders.filter(opened_tenders())
    if code == SINGLE_BIDDER:
        return opened.filter(_with_bids_in_a_lot(exactly=1))
    if code in {LOWEST_DISQUALIFIED, DISQUALIFIED_SHARE}:
        return opened.filter(_ineligible_bid())
    if code == SHARED_DETAILS:
        return opened.filter(_with_bids_in_a_lot(at_least=2))
    if code == NEAR_ESTIMATE:
        return opened.filter(_live_award())
    if code == REPEAT_WINNER:
        since = now - timedelta(days=thresholds()["repeat_days"])
        return opened.filter(_live_award(since))
    raise ValueError(f"No red-flag indicator {code!r}.")


def flagged_for(user, *, code: str | None = None, text: str = "", now=None):
    """[TenderFlags] of the tenders ``user`` may read that raise a flag (of
    ``code``, if given; whose reference or title contains ``text``), newest
    published first: the page and the API read the same."""
    tenders = tenders_for(user).order_by("-published_at", "-pk")
    if text:
        tenders = tenders.filter(
            Q(case__reference__icontains=text) | Q(title__icontains=text)
        )
    return flagged(tenders, code, now=now)


def flagged(tenders: QuerySet, code: str | None = None, *, now=None):
    """[TenderFlags] of the tenders of ``tenders`` that raise at least one flag
    (of ``code``, if given), in the queryset's order; their other flags too."""
    found = flags_for(list(candidates(tenders, code, now=now)), now=now)
    return [
        entry
        for entry in found
        if entry.flags and (code is None or code in entry.codes)
    ]


# ---------------------------------------------------------------- computing


def _percent(part, whole) -> Decimal:
    return (HUNDRED * part / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _normal_address(text: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", (text or "").casefold()).split())


def _normal_iban(text: str) -> str:
    return re.sub(r"[\s-]+", "", (text or "")).upper()


@dataclass
class _BidRow:
    pk: int
    lot_id: int
    lot: int
    max_unit_price: Decimal
    tender_id: int
    maker_id: int
    maker: str
    address: str
    iban: str
    eligible: bool | None
    reason: str
    price: Decimal | None = None


def _price_key(pk: int, opened_at) -> str:
    return f"red-flags:unit-price:{pk}:{opened_at.isoformat()}"


def _unit_prices(rows: list[_BidRow], opened: dict[int, object]) -> None:
    """Fill in ``price`` of ``rows`` (bids of opened tenders only): from the
    cache, or opened from the seal and kept (an opened bid never changes)."""
    keys = {row.pk: _price_key(row.pk, opened[row.tender_id]) for row in rows}
    known = safe_get_many(keys.values())
    missing = [row.pk for row in rows if keys[row.pk] not in known]
    if missing:
        sealed = Bid.objects.filter(
            opened_tenders("lot__tender__"), pk__in=missing
        ).values_list("pk", "sealed")
        fresh = {
            keys[pk]: str(unseal(token)["unit_price"])
            for pk, token in sealed.iterator(chunk_size=100)
        }
        safe_set_many(fresh, settings.RED_FLAG_PRICE_CACHE_SECONDS)
        known |= fresh
    for row in rows:
        if keys[row.pk] in known:
            row.price = Decimal(known[keys[row.pk]])


def _bid_rows(opened_ids) -> list[_BidRow]:
    rows = (
        Bid.objects.filter(
            opened_tenders("lot__tender__"),
            lot__tender_id__in=opened_ids,
            status=BidStatus.SUBMITTED,
        )
        .order_by("lot__tender_id", "lot__number", "pk")
        .values_list(
            "pk", "lot_id", "lot__number", "lot__max_unit_price", "lot__tender_id",
            "manufacturer_id", "manufacturer__name", "manufacturer__address",
            "manufacturer__iban", "eligible", "ineligible_reason",
        )
    )  # fmt: skip
    return [_BidRow(*row) for row in rows]


def _repeat_winners(now) -> tuple[dict[int, int], int]:
    """({manufacturer id: live awards won} of those over the thresholds, the
    number of live awards) in the period."""
    limits = thresholds()
    since = now - timedelta(days=limits["repeat_days"])
    live = Award.objects.filter(
        opened_tenders("lot__tender__"), recommended_at__gte=since
    ).exclude(status=AwardStatus.CANCELLED)
    wins = dict(
        live.order_by()
        .values("bid__manufacturer_id")
        .annotate(n=Count("id"))
        .values_list("bid__manufacturer_id", "n")
    )
    total = sum(wins.values())
    return {
        maker: n
        for maker, n in wins.items()
        if n >= limits["repeat_min_wins"]
        and _percent(n, total) >= limits["repeat_percent"]
    }, total


def flags_for(tenders: list[Tender], *, now=None) -> list[TenderFlags]:
    """The flags of each of ``tenders``, in a fixed number of queries whatever
    their number (plus one to open the prices not yet kept)."""
    now = now or timezone.now()
    limits = thresholds()
    by_id = {t.pk: TenderFlags(t) for t in tenders}
    known = {code: ind for code, ind in ((i.code, i) for i in indicators())}

    def add(tender_id, code, evidence, lot=None):
        by_id[tender_id].flags.append(Flag(known[code], evidence, lot))

    for tender in tenders:
        _short_period(tender, limits, add)
    # The bid-based indicators read opened tenders only.
    opened = {t.pk: t.opened_at for t in tenders if not t.is_sealed}
    if opened:
        rows = _bid_rows(list(opened))
        awards = list(
            Award.objects.filter(
                opened_tenders("lot__tender__"), lot__tender_id__in=list(opened)
            )
            .exclude(status=AwardStatus.CANCELLED)
            .order_by("lot__tender_id", "lot__number")
            .values_list(
                "bid_id", "lot__tender_id", "lot__number", "lot__max_unit_price",
                "bid__manufacturer_id", "bid__manufacturer__name", "recommended_at",
            )
        )  # fmt: skip
        lots = defaultdict(list)
        for row in rows:
            lots[row.lot_id].append(row)
        # Prices are opened only where an indicator needs them: lots with an
        # ineligible bid, and awarded bids.
        awarded = {award[0] for award in awards}
        priced = [
            row
            for lot_rows in lots.values()
            if any(r.eligible is False for r in lot_rows)
            for row in lot_rows
        ] + [row for row in rows if row.pk in awarded]
        _unit_prices(list({row.pk: row for row in priced}.values()), opened)
        prices = {row.pk: row.price for row in rows}
        for lot_rows in lots.values():
            _single_bidder(lot_rows, add)
            _lowest_disqualified(lot_rows, add)
            _shared_details(lot_rows, add)
        _disqualified_share(rows, limits, add)
        _near_estimate(awards, prices, limits, add)
        _repeat_winner(awards, now, limits, add)
    return list(by_id.values())


def _short_period(tender, limits, add):
    if tender.published_at is None:
        return
    period = tender.submission_deadline - tender.published_at
    if period < timedelta(days=limits["short_days"]):
        days = max(period.days, 0)
        add(
            tender.pk,
            SHORT_PERIOD,
            _("%(days)d days from the publication (%(published)s) to the "
              "submission deadline (%(deadline)s); the threshold is %(min)d days.")
            % {"days": days, "published": day_text(tender.published_at),
               "deadline": day_text(tender.submission_deadline),
               "min": limits["short_days"]},
        )  # fmt: skip


def _single_bidder(lot_rows, add):
    if len(lot_rows) == 1:
        row = lot_rows[0]
        add(
            row.tender_id,
            SINGLE_BIDDER,
            _("Lot %(lot)d: one bid, from %(name)s.")
            % {"lot": row.lot, "name": row.maker},
            row.lot,
        )


def _lowest_disqualified(lot_rows, add):
    priced = [row for row in lot_rows if row.price is not None]
    if not priced:
        return
    lowest = min(row.price for row in priced)
    for row in priced:
        if row.price == lowest and row.eligible is False:
            add(
                row.tender_id,
                LOWEST_DISQUALIFIED,
                _("Lot %(lot)d: the lowest unit price, %(price)s from %(name)s, "
                  "was found ineligible: %(reason)s")
                % {"lot": row.lot, "price": eur(row.price), "name": row.maker,
                   "reason": row.reason},
                row.lot,
            )  # fmt: skip


def _shared_details(lot_rows, add):
    for what, key in (
        (_("the same address"), lambda r: _normal_address(r.address)),
        (_("the same bank account (IBAN)"), lambda r: _normal_iban(r.iban)),
    ):
        groups = defaultdict(list)
        for row in lot_rows:
            value = key(row)
            if value:
                groups[value].append(row)
        for group in groups.values():
            names = sorted({row.maker for row in group})
            if len(names) < 2:
                continue
            first = group[0]
            add(
                first.tender_id,
                SHARED_DETAILS,
                _("Lot %(lot)d: %(names)s have %(what)s.")
                % {"lot": first.lot, "names": ", ".join(names), "what": what},
                first.lot,
            )


def _disqualified_share(rows, limits, add):
    per_tender = defaultdict(list)
    for row in rows:
        per_tender[row.tender_id].append(row)
    for tender_id, bids in per_tender.items():
        out = sum(1 for row in bids if row.eligible is False)
        if len(bids) < 2 or not out:
            continue
        share = _percent(out, len(bids))
        if share >= limits["disqualified_percent"]:
            add(
                tender_id,
                DISQUALIFIED_SHARE,
                _("%(out)d of %(total)d bids found ineligible (%(share)s%%); the "
                  "threshold is %(min)s%%.")
                % {"out": out, "total": len(bids), "share": share,
                   "min": limits["disqualified_percent"]},
            )  # fmt: skip


def _near_estimate(awards, prices, limits, add):
    for bid_id, tender_id, lot, maximum, _maker_id, name, _at in awards:
        price = prices.get(bid_id)
        if price is None or not maximum:
            continue
        below = _percent(maximum - price, maximum)
        if Decimal(0) <= below <= limits["near_percent"]:
            add(
                tender_id,
                NEAR_ESTIMATE,
                _("Lot %(lot)d: awarded to %(name)s at %(price)s a unit, "
                  "%(below)s%% below the maximum unit price of %(max)s; the "
                  "threshold is %(min)s%%.")
                % {"lot": lot, "name": name, "price": eur(price), "below": below,
                   "max": eur(maximum), "min": limits["near_percent"]},
                lot,
            )  # fmt: skip


def _repeat_winner(awards, now, limits, add):
    since = now - timedelta(days=limits["repeat_days"])
    recent = [a for a in awards if a[6] >= since]
    if not recent:
        return
    winners, total = _repeat_winners(now)
    for _bid, tender_id, lot, _max, maker_id, name, _at in recent:
        if maker_id in winners:
            wins = winners[maker_id]
            add(
                tender_id,
                REPEAT_WINNER,
                _("Lot %(lot)d: awarded to %(name)s, which won %(wins)d of the "
                  "%(total)d live awards of the last %(days)d days (%(share)s%%); "
                  "the threshold is %(min)s%%.")
                % {"lot": lot, "name": name, "wins": wins, "total": total,
                   "days": limits["repeat_days"], "share": _percent(wins, total),
                   "min": limits["repeat_percent"]},
                lot,
            )  # fmt: skip
