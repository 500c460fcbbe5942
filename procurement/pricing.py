"""The price criterion's score. Price is objective: it is computed from the
bids' unit prices by the formula the tender declares (``Tender.price_formula``),
the same for every evaluator, never typed.

Only eligible, submitted bids take part: an ineligible or withdrawn bid's price
is neither scored nor the lowest of its lot."""

import hashlib
from decimal import ROUND_HALF_UP, Decimal

from procurement.models import Bid, BidStatus, PriceFormula, Tender
from procurement.sealing import unseal
from secretariat.kernel.cache import safe_get, safe_set

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def price_score(formula: str, *, price: Decimal, lowest: Decimal, maximum: Decimal):
    """The score, 0 to 100 to the cent, of a unit price ``price`` in a lot whose
    lowest eligible unit price is ``lowest`` and maximum unit price ``maximum``."""
    price, lowest, maximum = Decimal(price), Decimal(lowest), Decimal(maximum)
    if price <= lowest:
        score = HUNDRED
    elif formula == PriceFormula.LINEAR_TO_MAX:
        # ``lowest < price <= maximum`` here, so the span is never zero.
        score = HUNDRED * (maximum - price) / (maximum - lowest)
    else:
        score = HUNDRED * lowest / price
    return min(max(score, Decimal(0)), HUNDRED).quantize(CENT, ROUND_HALF_UP)


def lot_price_scores(formula: str, prices: dict, maximum: Decimal) -> dict:
    """{bid: score} for the eligible bids of one lot, given {bid: unit price}."""
    if not prices:
        return {}
    lowest = min(prices.values())
    return {
        bid: price_score(formula, price=price, lowest=lowest, maximum=maximum)
        for bid, price in prices.items()
    }


# The scores change only with the bids' eligibility (settled at opening), the
# formula and the lots' maxima (settled while the tender is a draft): they are
# kept under a key of the tender, its opening and its formula, so that the
# sealed offers are not opened again on every page.
PRICE_SCORES_CACHE_SECONDS = 24 * 60 * 60


def price_scores_key(tender: Tender) -> str:
    fingerprint = repr((tender.pk, tender.opened_at, tender.price_formula))
    return "price-scores:" + hashlib.sha256(fingerprint.encode()).hexdigest()


def price_scores(tender: Tender) -> dict[int, Decimal]:
    """{bid id: price score} for every eligible submitted bid of the tender;
    nothing while its bids are sealed (their prices are unknown to all)."""
    if tender.is_sealed:
        return {}
    key = price_scores_key(tender)
    cached = safe_get(key)
    if cached is not None:
        return cached
    bids = (
        Bid.objects.filter(
            lot__tender=tender, status=BidStatus.SUBMITTED, eligible=True
        )
        .values_list("pk", "lot_id", "lot__max_unit_price", "sealed")
        .order_by("lot_id", "pk")
    )
    lots: dict[int, tuple[Decimal, dict]] = {}
    for pk, lot, maximum, sealed in bids.iterator(chunk_size=50):
        prices = lots.setdefault(lot, (maximum, {}))[1]
        prices[pk] = Decimal(unseal(sealed)["unit_price"])
    scores = {}
    for maximum, prices in lots.values():
        scores |= lot_price_scores(tender.price_formula, prices, maximum)
    safe_set(key, scores, PRICE_SCORES_CACHE_SECONDS)
    return scores


def weighted_total(weights: dict, scores: dict) -> Decimal:
    """The weighted total, to the cent, of ``scores`` ({criterion: 0 to 100, or
    None for not scored yet, which counts 0}) under ``weights`` (percentages)."""
    total = sum(
        (
            Decimal(value) * weights[criterion] / HUNDRED
            for criterion, value in scores.items()
            if value is not None
        ),
        Decimal(0),
    )
    return total.quantize(CENT, ROUND_HALF_UP)
