"""Reads of procurement records, already scoped to what the user may see."""

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from procurement.models import (
    CRITERIA,
    PRICE,
    TYPED_CRITERIA,
    Award,
    AwardStatus,
    Bid,
    BidEvent,
    BidStatus,
    Clarification,
    CommitteeMember,
    Complaint,
    Contract,
    ContractStatus,
    Delivery,
    DeliveryStatus,
    Discrepancy,
    FieldReport,
    Lot,
    Manufacturer,
    MemberStanding,
    Milestone,
    OcdsRelease,
    Procedure,
    Receipt,
    Requirement,
    Score,
    Tender,
    TenderStatus,
    opened_tenders,
)
from procurement.pricing import price_scores
from secretariat.accounts.models import User
from secretariat.kernel import policy
from secretariat.kernel import selectors as kernel_selectors
from secretariat.kernel.cache import safe_get, safe_set
from secretariat.kernel.exceptions import ConflictError
from secretariat.kernel.models import CaseKind, TimelineEvent
from secretariat.kernel.roles import Role, has_role, is_staff_reader


def manufacturers_for(user) -> QuerySet[Manufacturer]:
    manufacturers = Manufacturer.objects.select_related("member_state")
    if is_staff_reader(user):
        return manufacturers
    if has_role(user, Role.MEMBER_LIAISON) and user.member_state_id:
        return manufacturers.filter(member_state_id=user.member_state_id)
    if has_role(user, Role.MANUFACTURER_REPRESENTATIVE) and user.manufacturer_id:
        return manufacturers.filter(pk=user.manufacturer_id)
    return manufacturers.none()


def representatives_for(user, manufacturer: Manufacturer) -> QuerySet[User]:
    """The company's representatives, active or not, for whoever may invite and
    deactivate them; no one else is told who they are."""
    if not user.has_perm("procurement.manage_representatives", manufacturer):
        return User.objects.none()
    return User.objects.filter(
        manufacturer=manufacturer, groups__name=Role.MANUFACTURER_REPRESENTATIVE
    ).order_by("-is_active", "last_name", "first_name", "email")


def requirements_for(user) -> QuerySet[Requirement]:
    """Staff read every requirement; Ukraine's end users too (every
    requirement is Ukraine's), each marked ``mine`` if one of their units
    submitted it. Liaisons and manufacturers' representatives read none."""
    from procurement.policy.requirements import is_front_user, unit_ids

    requirements = Requirement.objects.select_related(
        "capability", "recorded_by", "unit"
    )
    if is_staff_reader(user):
        return requirements
    if is_front_user(user):
        return requirements.annotate(
            mine=Case(
                When(unit_id__in=list(unit_ids(user)), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    return Requirement.objects.none()


@dataclass(frozen=True)
class FollowThrough:
    """Where a requirement went: the tenders that answer it (each with the
    drones contracted and accepted over all its lots), and the contracts of
    its lots (those of the requirement's capability) with the drones
    contracted, delivered, accepted and received by Ukraine."""

    tenders: list
    contracts: list
    contracted: int
    delivered: int
    accepted: int
    received: int


def _summed(queryset, group: str, field: str) -> Subquery:
    return Coalesce(
        Subquery(
            queryset.order_by().values(group).annotate(n=Sum(field)).values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def requirement_follow_through(requirement: Requirement, user) -> FollowThrough:
    """Two queries, however many tenders, contracts and deliveries. Staff see
    every tender that answers the requirement; whoever else may read it (its
    end users) the published ones, not the secretariat's drafts."""
    if is_staff_reader(user):
        tenders = tenders_for(user, kind_hint=False)
    else:
        tenders = Tender.objects.select_related("case").exclude(
            status=TenderStatus.DRAFT
        )
    tender = OuterRef("pk")
    tenders = list(
        tenders.filter(requirements=requirement)
        .annotate(
            contracted=_summed(
                Contract.objects.filter(award__lot__tender=tender).exclude(
                    status=ContractStatus.TERMINATED
                ),
                "award__lot__tender",
                "quantity",
            ),
            delivered=_summed(
                Delivery.objects.filter(contract__award__lot__tender=tender),
                "contract__award__lot__tender",
                "quantity_accepted",
            ),
        )
        .order_by("-case__opened_at", "-id")
    )
    contract = OuterRef("pk")
    deliveries = Delivery.objects.filter(contract=contract)
    contracts = list(
        Contract.objects.filter(
            award__lot__tender__in=[t.pk for t in tenders],
            award__lot__capability_id=requirement.capability_id,
        )
        .exclude(status=ContractStatus.TERMINATED)
        .select_related("manufacturer", "award__lot__tender__case")
        .annotate(
            delivered=_summed(
                deliveries.exclude(status=DeliveryStatus.REJECTED),
                "contract",
                "quantity",
            ),
            accepted=_summed(deliveries, "contract", "quantity_accepted"),
            received=_summed(
                Receipt.objects.filter(delivery__contract=contract),
                "delivery__contract",
                "quantity_received",
            ),
        )
        .order_by("signed_at", "id")
    )
    return FollowThrough(
        tenders=tenders,
        contracts=contracts,
        contracted=sum(c.quantity for c in contracts),
        delivered=sum(c.delivered for c in contracts),
        accepted=sum(c.accepted for c in contracts),
        received=sum(c.received for c in contracts),
    )


def requirement_timeline(requirement: Requirement) -> QuerySet[TimelineEvent]:
    """What happened to the requirement itself (recorded, put out to tender,
    reopened, fulfilled)."""
    return (
        TimelineEvent.objects.filter(
            subject_type=ContentType.objects.get_for_model(Requirement),
            subject_id=requirement.pk,
        )
        .select_related("actor", "evidence")
        .order_by("-occurred_at", "-id")
    )


def tenders_for(user, *, kind_hint: bool = True) -> QuerySet[Tender]:
    """Staff see every tender; liaisons and manufacturers' representatives see
    published ones (a representative, of a restricted tender, only if invited).
    A paged list asks for them without the ``kind_hint`` and gives
    ``tender_kind_hint`` to its page only (``listing.CountedApart``)."""
    tenders = Tender.objects.select_related("case", "pool")
    if kind_hint:
        tenders = tender_kind_hint(tenders)
    if is_staff_reader(user):
        return tenders
    public = tenders.exclude(status=TenderStatus.DRAFT)
    if has_role(user, Role.MEMBER_LIAISON) and user.member_state_id:
        return public
    if has_role(user, Role.MANUFACTURER_REPRESENTATIVE) and user.manufacturer_id:
        return public.filter(
            Q(procedure=Procedure.OPEN) | Q(invited__pk=user.manufacturer_id)
        ).distinct()
    return tenders.none()


def tender_kind_hint(tenders: QuerySet[Tender]) -> QuerySet[Tender]:
    """Every tender's case is of the tender kind; saying so lets a list newest
    first read the tenders' cases only (index ``case_kind_opened``). Its count
    does better without it: the join it needs reads every case (90 ms for 20,000
    tenders among 215,000 cases, against 4 ms for the tenders alone)."""
    return tenders.filter(case__kind=CaseKind.TENDER)


def bids_for(user) -> QuerySet[Bid]:
    """A representative sees their own company's bids; staff see bids only once
    their tender is opened. Before opening, nobody else learns even how many
    bids there are."""
    bids = Bid.objects.select_related("lot__tender__case", "manufacturer")
    if has_role(user, Role.MANUFACTURER_REPRESENTATIVE) and user.manufacturer_id:
        return bids.filter(manufacturer_id=user.manufacturer_id)
    if is_staff_reader(user):
        # A tender cancelled before its opening leaves the sealed statuses
        # without ever being opened: its bids stay sealed.
        return bids.filter(opened_tenders("lot__tender__"))
    return bids.none()


def bid_events_for(user) -> QuerySet[BidEvent]:
    """A bid's audit trail is read by whoever may read the bid itself."""
    return BidEvent.objects.filter(bid__in=bids_for(user)).select_related("actor")


def clarifications_for(tender: Tender) -> QuerySet[Clarification]:
    """Answered questions, as every bidder sees them: without who asked."""
    return tender.clarifications.exclude(answer="").only(
        "question", "answer", "answered_at", "tender_id"
    )


def scores_visible_to(user, tender: Tender) -> QuerySet[Score]:
    """An evaluator sees their own scores, and the others' only once they have
    submitted their own; staff see the scores of submitted sheets."""
    scores = Score.objects.filter(
        member__tender=tender, member__scores_submitted_at__isnull=False
    )
    member = tender.committee.filter(evaluator=user).first()
    if member is not None:
        own = Score.objects.filter(member=member)
        return own if member.scores_submitted_at is None else scores
    if is_staff_reader(user):
        return scores
    return Score.objects.none()


@dataclass(frozen=True)
class Ranked:
    bid: Bid
    total: Decimal
    by_criterion: dict


@dataclass(frozen=True)
class Ranking:
    ranked: list[Ranked]
    ineligible: list[Bid]
    sheets: int
    # How many bids are ranked in each lot (by lot number), also those left out
    # of ``ranked`` by ``leaders``.
    per_lot: dict[int, int]


def submitted_sheets(tender: Tender) -> list[tuple]:
    """The committee members whose submitted sheets count (an evaluator who
    declared a conflict scores nothing), as (id, submitted at), named so that
    each score is matched by its member's id rather than joined to it (one
    query)."""
    return list(
        CommitteeMember.objects.filter(
            Exists(Score.objects.filter(member=OuterRef("pk"))),
            tender=tender,
            scores_submitted_at__isnull=False,
            standing=MemberStanding.DECLARED,
        )
        .order_by("pk")
        .values_list("pk", "scores_submitted_at")
    )


def ranking(
    tender: Tender, *, leaders: int | None = None, lot=None, sheets=None
) -> Ranking:
    """The weighted average of the submitted scores, best first; ineligible bids
    listed with their reason. ``leaders`` keeps only the best of each lot in
    ``ranked``; ``lot`` ranks that lot alone; ``sheets``, those of
    ``submitted_sheets`` if already read."""
    if sheets is None:
        sheets = submitted_sheets(tender)
    ranked, ineligible = _ranked(tender, sheets)
    if lot is not None:
        ranked = [r for r in ranked if r[0] == lot.number]
        ineligible = [i for i in ineligible if i[0] == lot.number]
    per_lot = {}
    shown = []
    for number, total, pk, means in ranked:
        per_lot[number] = per_lot.get(number, 0) + 1
        if leaders is None or per_lot[number] <= leaders:
            shown.append(
                (pk, total, dict(zip(CRITERIA, map(_mean, means), strict=True)))
            )
    ineligible = [pk for _number, pk in ineligible]
    # Only what a ranking shows of a bid: each full row would carry its sealed
    # offer and the whole manufacturer.
    bids = (
        Bid.objects.select_related("manufacturer", "lot")
        .only(
            "lot__number",
            "manufacturer__name",
            "status",
            "eligible",
            "ineligible_reason",
        )
        .order_by()
    )
    read = bids.in_bulk([pk for pk, _t, _c in shown] + ineligible)
    return Ranking(
        ranked=[Ranked(read[pk], total, by_c) for pk, total, by_c in shown],
        ineligible=[read[pk] for pk in ineligible],
        sheets=len(sheets),
        per_lot=per_lot,
    )


# Once the bids are opened, a ranking changes only when a score sheet is
# submitted: the bids, their eligibility and the weights are settled at
# opening, and a submitted sheet can no longer change. So it is kept under a
# key made of the tender, its opening, weights and price formula and the
# submitted sheets (who, when); a new sheet, or a member leaving the committee,
# is a new key.
RANKING_CACHE_SECONDS = 24 * 60 * 60


def _mean(value) -> Decimal:
    return Decimal(0) if value is None else Decimal(value)


def ranking_key(tender: Tender, sheets) -> str | None:
    """What a ranking is a function of (see above), as a cache key; None while
    the tender is not opened. The tender's page keys its rendered ranking and
    bids by it too."""
    if tender.opened_at is None:
        return None
    fingerprint = repr(
        (tender.pk, tender.opened_at, tender.weights(), tender.price_formula,
         sheets)
    )  # fmt: skip
    return "ranking:" + hashlib.sha256(fingerprint.encode()).hexdigest()


def _ranked(tender: Tender, sheets) -> tuple[list, list]:
    """Every eligible bid as (lot number, total, bid id, its means in the order of
    ``CRITERIA``), best first in each lot, and the ineligible as (lot number, bid
    id). The means stay as read (floats, or None for no score; the price score a
    Decimal) until shown."""
    key = ranking_key(tender, sheets)
    if key is not None:
        cached = safe_get(key)
        if cached is not None:
            return cached
    sheet = Q(scores__member_id__in=[pk for pk, _at in sheets])
    # Every bid is ranked as one row of numbers: a tender may have hundreds,
    # and only the bids shown are read as objects.
    rows = (
        Bid.objects.filter(lot__tender=tender, status=BidStatus.SUBMITTED)
        .values_list("pk", "lot__number", "eligible")
        .annotate(
            **{
                f"mean_{c}": Avg("scores__value", filter=sheet & Q(scores__criterion=c))
                for c in TYPED_CRITERIA
            }
        )
        .order_by("lot__number", "pk")
    )
    weights = tender.weights()
    # Price is scored by the tender's formula, the same for every evaluator;
    # price scores typed before the formula existed are not read.
    prices = price_scores(tender)
    ranked, ineligible = [], []
    for pk, number, eligible, *typed in rows:
        if eligible is False:
            ineligible.append((number, pk))
        if not eligible:
            continue
        given = dict(zip(TYPED_CRITERIA, typed, strict=True))
        means = [prices.get(pk) if c == PRICE else given[c] for c in CRITERIA]
        total = sum(
            (
                _mean(mean) * weights[c] / 100
                for c, mean in zip(CRITERIA, means, strict=True)
            ),
            Decimal(0),
        ).quantize(Decimal("0.01"))
        ranked.append((number, total, pk, tuple(means)))
    ranked.sort(key=lambda r: (r[0], -r[1]))
    if key is not None:
        safe_set(key, (ranked, ineligible), RANKING_CACHE_SECONDS)
    return ranked, ineligible


# --- used by the web pages


def committee_seats_for(user) -> QuerySet[CommitteeMember]:
    """An evaluator's own seats on evaluation committees."""
    if not has_role(user, Role.EVALUATOR):
        return CommitteeMember.objects.none()
    return CommitteeMember.objects.filter(evaluator=user).select_related("tender__case")


# What an evaluator does on a committee seat; the queue filters of these
# policies say where they may act now.
SEAT_ACTIONS = ("committee.declare", "scoresheet.score", "scoresheet.submit")


def seat_actions_now(user, seats: QuerySet) -> dict[int, set[str]]:
    """For each seat of ``seats`` where ``user`` may act now, the actions they
    may take (one query per action, however many seats)."""
    found: dict[int, set[str]] = {}
    for name in SEAT_ACTIONS:
        for pk in policy.pending(name, user, seats).values_list("pk", flat=True):
            found.setdefault(pk, set()).add(name)
    return found


def seats_awaiting(user) -> QuerySet[CommitteeMember]:
    """The evaluator's seats where they may act now: declare, score or submit
    (the policies' queue filters); the others wait on someone else."""
    seats = committee_seats_for(user)
    awaiting = Q(pk__in=[])
    for name in SEAT_ACTIONS:
        awaiting |= Q(pk__in=policy.pending(name, user, seats).values("pk"))
    return seats.filter(awaiting)


def bidders_to_declare_about(member: CommitteeMember) -> QuerySet[Manufacturer]:
    """The companies an evaluator declares a conflict of interest about. They
    are known only once the bids are opened; before that, nobody learns them."""
    if not bids_are_opened(member.tender):
        return Manufacturer.objects.none()
    return (
        Manufacturer.objects.filter(
            bids__lot__tender_id=member.tender_id, bids__status=BidStatus.SUBMITTED
        )
        .select_related("member_state")
        .distinct()
        .order_by("name")
    )


def bids_to_score(member: CommitteeMember) -> QuerySet[Bid]:
    """The live bids an evaluator reads: none while the tender is sealed, nor
    before they have declared no conflict of interest."""
    if member.standing != MemberStanding.DECLARED or not bids_are_opened(member.tender):
        return Bid.objects.none()
    return (
        Bid.objects.filter(lot__tender_id=member.tender_id, status=BidStatus.SUBMITTED)
        .select_related("lot__tender__case", "manufacturer")
        .order_by("lot__number", "id")
    )


def readable_bids_for(user) -> QuerySet[Bid]:
    """``bids_for``, and for an evaluator the live bids of the opened tenders on
    whose committee they sit having declared no conflict of interest."""
    bids = bids_for(user)
    if not has_role(user, Role.EVALUATOR):
        return bids
    declared = Tender.objects.filter(
        committee__evaluator=user,
        committee__standing=MemberStanding.DECLARED,
    ).filter(opened_tenders())
    return Bid.objects.select_related("lot__tender__case", "manufacturer").filter(
        Q(pk__in=bids.values("pk"))
        | Q(lot__tender__in=declared, status=BidStatus.SUBMITTED)
    )


def awards_for(user) -> QuerySet[Award]:
    """Staff see every award; whoever reads a tender sees its approved awards,
    which are public."""
    awards = Award.objects.select_related(
        "lot__tender__case", "bid__manufacturer", "recommended_by", "approved_by"
    )
    if is_staff_reader(user):
        return awards
    return awards.filter(
        lot__tender__in=tenders_for(user).values("pk"), status=AwardStatus.APPROVED
    )


def complaints_for(user) -> QuerySet[Complaint]:
    complaints = Complaint.objects.select_related(
        "award__lot__tender__case", "manufacturer", "decided_by"
    )
    if is_staff_reader(user):
        return complaints
    if has_role(user, Role.MANUFACTURER_REPRESENTATIVE) and user.manufacturer_id:
        return complaints.filter(manufacturer_id=user.manufacturer_id)
    return complaints.none()


def contracts_for(user) -> QuerySet[Contract]:
    contracts = Contract.objects.select_related(
        "award__lot__tender__case", "manufacturer", "signed_by"
    )
    if is_staff_reader(user):
        return contracts
    if has_role(user, Role.MANUFACTURER_REPRESENTATIVE) and user.manufacturer_id:
        return contracts.filter(manufacturer_id=user.manufacturer_id)
    return contracts.none()


def deliveries_for(user) -> QuerySet[Delivery]:
    return Delivery.objects.filter(
        contract__in=contracts_for(user).values("pk")
    ).select_related(
        "contract__award__lot__tender__case",
        "contract__manufacturer",
        "milestone",
        "reported_by",
        "decided_by",
        "disbursement__case",
        "report",
    )


# --- used by the API


def bids_are_opened(tender: Tender) -> bool:
    """Whether the tender's bids have been opened. A tender cancelled (or found
    unsuccessful) before its opening leaves the sealed statuses without ever
    being opened: its bids stay sealed, as if returned unopened."""
    return not tender.is_sealed


def lots_for(user) -> QuerySet[Lot]:
    """The lots of the tenders the user may read."""
    return Lot.objects.filter(tender__in=tenders_for(user).values("pk"))


def bids_in_opened_tender(tender: Tender) -> QuerySet[Bid]:
    """The bids of a tender, once it is opened; none while it is sealed."""
    if not bids_are_opened(tender):
        return Bid.objects.none()
    return Bid.objects.filter(lot__tender=tender).select_related("lot__tender")


def committee_members_for(user) -> QuerySet[CommitteeMember]:
    """Staff see every evaluation committee; an evaluator their own seats."""
    if is_staff_reader(user):
        return CommitteeMember.objects.select_related("tender__case", "evaluator")
    return committee_seats_for(user).select_related("evaluator")


def clarifications_visible_to(user, tender: Tender) -> QuerySet[Clarification]:
    """Whoever manages the tender sees every question, so as to answer it;
    everyone else the answered ones. Never who asked."""
    if user.has_perm("procurement.manage_tender", tender):
        return tender.clarifications.only(
            "question", "asked_at", "answer", "answered_at", "tender_id"
        )
    return clarifications_for(tender)


RANKED_STATUSES = {
    TenderStatus.EVALUATION,
    TenderStatus.AWARDED,
    TenderStatus.CONTRACTED,
    TenderStatus.CANCELLED,
    TenderStatus.UNSUCCESSFUL,
}


def ranking_for(user, tender: Tender) -> Ranking:
    """The ranking, for the secretariat's staff, once the evaluation has
    started (never of bids that were not opened)."""
    if not user.has_perm("procurement.view_tender", tender):
        raise PermissionDenied(_("The ranking is shown to the secretariat only."))
    if not bids_are_opened(tender) or tender.status not in RANKED_STATUSES:
        raise ConflictError(_("The ranking is shown once the evaluation has started."))
    return ranking(tender)


def milestones_for(user) -> QuerySet[Milestone]:
    return Milestone.objects.filter(contract__in=contracts_for(user).values("pk"))


def tender_timeline(tender: Tender) -> QuerySet[TimelineEvent]:
    """The tender's case timeline. Bids write nothing to it, so it tells no one
    how many there are before opening."""
    return kernel_selectors.case_timeline(tender.case_id)


def manufacturer_timeline(manufacturer: Manufacturer, user) -> QuerySet[TimelineEvent]:
    """The company's timeline; without the bank account changes (they name the
    IBAN) for whoever may not see the bank account."""
    events = TimelineEvent.objects.filter(
        subject_type=ContentType.objects.get_for_model(Manufacturer),
        subject_id=manufacturer.pk,
    )
    if not user.has_perm("procurement.view_bank_account", manufacturer):
        events = events.exclude(action="bank_account_set")
    return events.select_related("actor", "evidence").order_by("-occurred_at", "-id")


# Tenders that depend on a capability category's lethality: published and not
# yet over (a draft is checked again when it is published).
TENDER_OVER = {
    TenderStatus.CONTRACTED,
    TenderStatus.CANCELLED,
    TenderStatus.UNSUCCESSFUL,
}


def open_tenders_of_capability(category) -> list[str]:
    """The open tenders with a lot or a requirement of the category, named for
    the reference data service (``secretariat.fund.reference``)."""
    references = list(
        Tender.objects.exclude(status__in={TenderStatus.DRAFT, *TENDER_OVER})
        .filter(Q(lots__capability=category) | Q(requirements__capability=category))
        .order_by("case__reference")
        .values_list("case__reference", flat=True)
        .distinct()
    )
    if not references:
        return []
    shown = ", ".join(references[:5])
    if len(references) > 5:
        shown += _(" and %(n)d more") % {"n": len(references) - 5}
    return [_("open tenders %(list)s") % {"list": shown}]


# ------------------------------------------------------------------ open data


def ocds_releases_of(tender: Tender) -> list[dict]:
    """The releases a tender published, as published, oldest first (public:
    a draft has none)."""
    return [
        json.loads(body)
        for body in tender.ocds_releases.order_by("sequence").values_list(
            "body", flat=True
        )
    ]


def ocds_chain_heads(tender: Tender) -> list[dict]:
    """The heads of the hash chains behind a tender's open data
    (``secretariat.kernel.chain``): its case's timeline and, once its bids are
    opened, each lot's bid trail (before that even the number of bid events
    would tell how many bids there are)."""
    from secretariat.kernel.models import ChainHead

    names = [f"timeline/case-{tender.case_id}"]
    if not tender.is_sealed:
        names += [f"bids/lot-{pk}" for pk in tender.lots.values_list("pk", flat=True)]
    return [
        {"chain": head.chain, "entries": head.seq, "hash": head.head_hash}
        for head in ChainHead.objects.filter(chain__in=names).order_by("chain")
    ]


def ocds_releases_after(cursor: int, *, size: int) -> tuple[list[dict], int | None]:
    """Every tender's releases in the order they were published, ``size`` at a
    time after the release numbered ``cursor`` (0 for the first page), and the
    cursor of the next page (None on the last)."""
    rows = list(
        OcdsRelease.objects.filter(pk__gt=cursor)
        .order_by("pk")
        .values_list("pk", "body")[: size + 1]
    )
    following = rows[size - 1][0] if len(rows) > size else None
    return [json.loads(body) for _pk, body in rows[:size]], following


# ------------------------------------------------------------------ receiving


def delivery_records_for(user) -> QuerySet[Delivery]:
    """The batches whose page a person may open: staff and the contractor's
    representatives those of the contracts they see (``deliveries_for``);
    Ukraine's end users every batch the secretariat accepted, which is handed
    over to Ukraine (without its price or payment)."""
    from procurement.policy.receipts import is_receiving_end_user

    if is_receiving_end_user(user):
        return Delivery.objects.filter(status=DeliveryStatus.ACCEPTED).select_related(
            "contract__award__lot__tender__case",
            "contract__award__lot__capability",
            "contract__manufacturer",
            "milestone",
        )
    return deliveries_for(user).select_related("contract__award__lot__capability")


def receipts_for(user) -> QuerySet[Receipt]:
    """Staff read every receipt; Ukraine's end users their state's; a
    manufacturer's representatives those of their company's batches."""
    from procurement.policy.receipts import is_receiving_end_user

    receipts = Receipt.objects.select_related(
        "delivery__contract__manufacturer",
        "delivery__contract__award__lot__tender__case",
        "delivery__milestone",
        "unit",
        "received_by",
    )
    if is_staff_reader(user):
        return receipts
    if is_receiving_end_user(user):
        return receipts.filter(unit__member_state_id=user.member_state_id)
    if has_role(user, Role.MANUFACTURER_REPRESENTATIVE) and user.manufacturer_id:
        return receipts.filter(delivery__contract__manufacturer_id=user.manufacturer_id)
    return receipts.none()


def discrepancies_for(user) -> QuerySet[Discrepancy]:
    """Staff read every receipt discrepancy; Ukraine's end users their
    state's."""
    from procurement.policy.receipts import is_receiving_end_user

    discrepancies = Discrepancy.objects.select_related(
        "case__owner",
        "receipt__unit",
        "receipt__delivery__contract__manufacturer",
        "receipt__delivery__milestone",
        "receipt__delivery__disbursement__case",
        "resolved_by",
    )
    if is_staff_reader(user):
        return discrepancies
    if is_receiving_end_user(user):
        return discrepancies.filter(receipt__unit__member_state_id=user.member_state_id)
    return discrepancies.none()


def field_reports_for(user) -> QuerySet[FieldReport]:
    """The field reports whose detail a person reads: staff all of them,
    Ukraine's end users their state's, a manufacturer's representatives those
    about their company's batches (without who filed them: the page asks
    ``procurement.view_submitter``). Nobody else reads one."""
    from procurement.policy.receipts import is_receiving_end_user

    reports = FieldReport.objects.select_related(
        "receipt__delivery__contract__manufacturer",
        "receipt__delivery__contract__award__lot__tender__case",
        "receipt__delivery__milestone",
        "unit",
        "filed_by",
    )
    if is_staff_reader(user):
        return reports
    if is_receiving_end_user(user):
        return reports.filter(unit__member_state_id=user.member_state_id)
    if has_role(user, Role.MANUFACTURER_REPRESENTATIVE) and user.manufacturer_id:
        return reports.filter(
            receipt__delivery__contract__manufacturer_id=user.manufacturer_id
        )
    return reports.none()


@dataclass(frozen=True)
class FieldSummary:
    """What the field says of one manufacturer's batches, without any text."""

    manufacturer: str
    reports: int
    units_failed: int
    units_lost: int
    # Criterion -> average rating (1 to 5), or None if never rated.
    ratings: dict


def field_report_summaries_for(user) -> list[FieldSummary]:
    """Counts and average ratings by manufacturer (one query): what leaves the
    circle of the secretariat and the manufacturer concerned. Every state's
    liaisons and Ukraine's end users read them all; a manufacturer's
    representatives their own company's only; anyone else nothing."""
    from procurement.policy.receipts import is_receiving_end_user

    reports = FieldReport.objects.all()
    if has_role(user, Role.MANUFACTURER_REPRESENTATIVE) and user.manufacturer_id:
        reports = reports.filter(
            receipt__delivery__contract__manufacturer_id=user.manufacturer_id
        )
    elif not (
        is_staff_reader(user)
        or is_receiving_end_user(user)
        or (has_role(user, Role.MEMBER_LIAISON) and user.member_state_id)
    ):
        return []
    rows = reports.order_by().values_list(
        "receipt__delivery__contract__manufacturer__name",
        "ratings",
        "units_failed",
        "units_lost",
    )
    by_maker: dict[str, dict] = {}
    for name, ratings, failed, lost in rows:
        entry = by_maker.setdefault(
            name, {"reports": 0, "failed": 0, "lost": 0, "given": {}}
        )
        entry["reports"] += 1
        entry["failed"] += failed
        entry["lost"] += lost
        for criterion, value in (ratings or {}).items():
            entry["given"].setdefault(criterion, []).append(int(value))
    return [
        FieldSummary(
            manufacturer=name,
            reports=entry["reports"],
            units_failed=entry["failed"],
            units_lost=entry["lost"],
            ratings={
                c: (
                    round(sum(entry["given"][c]) / len(entry["given"][c]), 1)
                    if entry["given"].get(c)
                    else None
                )
                for c in TYPED_CRITERIA
            },
        )
        for name, entry in sorted(by_maker.items())
    ]
