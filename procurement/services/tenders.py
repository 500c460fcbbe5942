"""Writes of tenders up to their opening: drafting, lots, publication, amendments,
clarifications, cancellation and opening."""

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.debug import sensitive_variables
from django_countries import countries

from procurement import notifications as tell
from procurement.models import (
    CRITERIA,
    Bid,
    BidStatus,
    Clarification,
    Lot,
    Manufacturer,
    PriceFormula,
    Procedure,
    Requirement,
    RequirementStatus,
    Tender,
    TenderStatus,
)
from procurement.policy import bids as bid_policy
from procurement.services.common import _lock_tender
from procurement.services.ocds import ocds_release_record
from procurement.services.opening import (
    committee_bids_open,
    committee_keys_issue,
    sealing_key_of,
)
from secretariat.accounts.models import User
from secretariat.fund.services.ledger import earmark_error
from secretariat.kernel import policy
from secretariat.kernel.edits import edit_record
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.formatting import when_text
from secretariat.kernel.models import CapabilityCategory, CaseKind
from secretariat.kernel.services import (
    case_open,
    require_reason,
    required_text,
    timeline_record,
    transition,
)


def _check_weights(weights: Mapping[str, int]) -> dict:
    unknown = set(weights) - set(CRITERIA)
    if unknown or set(weights) != set(CRITERIA):
        raise ApplicationError(
            _("Give a weight for each criterion: %(list)s.")
            % {"list": ", ".join(CRITERIA)},
            field="weights",
        )
    if any(int(w) < 0 for w in weights.values()):
        raise ApplicationError(
            _("The weights are whole numbers from 0 to 100."), field="weights"
        )
    if message := weights_error(weights):
        raise ApplicationError(message, field="weights")
    return {f"weight_{name}": int(weights[name]) for name in CRITERIA}


WEIGHTS_TOTAL = 100


def weights_error(weights: Mapping[str, int]) -> str | None:
    """Why the criteria's weights cannot be a tender's, or None: they must add
    up to 100. The rule of ``tender_create`` and ``tender_update``; the tender
    form asks it too, to report it together with its own errors."""
    total = sum(int(w) for w in weights.values())
    if total == WEIGHTS_TOTAL:
        return None
    return _("The weights add up to %(total)d; they must add up to %(target)d.") % {
        "total": total,
        "target": WEIGHTS_TOTAL,
    }


def _check_standstill(value) -> int:
    """The standstill after an award is the losing bidders' window to complain
    before a contract is signed: never shorter than the coalition's minimum
    (``AWARD_STANDSTILL_MIN_DAYS``), never longer than the maximum."""
    low = settings.AWARD_STANDSTILL_MIN_DAYS
    high = settings.AWARD_STANDSTILL_MAX_DAYS
    try:
        days = int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise ApplicationError(
            _("Enter the standstill as a whole number of days."),
            field="standstill_days",
        ) from exc
    if not low <= days <= high:
        raise ApplicationError(
            _("The standstill lasts from %(min)d to %(max)d days, so that losing "
              "bidders can complain before a contract is signed.")
            % {"min": low, "max": high},
            field="standstill_days",
        )  # fmt: skip
    return days


def _check_price_formula(formula: str) -> str:
    if formula not in PriceFormula.values:
        raise ApplicationError(
            _("Choose how the price is scored."), field="price_formula"
        )
    return formula


def _check_excluded_origins(codes) -> list[str]:
    excluded = sorted({str(c).upper() for c in codes})
    unknown = [c for c in excluded if c not in countries]
    if unknown:
        raise ApplicationError(
            _("Not country codes: %(list)s.") % {"list": ", ".join(unknown)},
            field="excluded_origins",
        )
    return excluded


def tender_create(
    *,
    actor: User,
    title: str,
    description: str,
    requirements,
    pool,
    clarification_deadline: datetime,
    submission_deadline: datetime,
    procedure: str = Procedure.OPEN,
    weights: Mapping[str, int] | None = None,
    excluded_origins=(),
    standstill_days: int | None = None,
    invited=(),
    price_formula: str | None = None,
) -> Tender:
    """Draft a tender (a case, TND-YYYY-NNNN) from open requirements. The
    standstill defaults to the minimum."""
    policy.require("tender.create", actor)
    title = required_text(title, field="title", message=_("Give the tender a title."))
    requirements = list(requirements)
    if not requirements:
        raise ApplicationError(
            _("A tender answers at least one requirement."), field="requirements"
        )
    not_open = [r.reference for r in requirements if r.status != RequirementStatus.OPEN]
    if not_open:
        raise ConflictError(
            _("These requirements are not open: %(refs)s.")
            % {"refs": ", ".join(not_open)},
            field="requirements",
        )
    now = timezone.now()
    if not now < clarification_deadline < submission_deadline:
        raise ApplicationError(
            _("The clarification deadline must be in the future and before the "
              "submission deadline."),
            field="submission_deadline",
        )  # fmt: skip
    if procedure not in Procedure.values:
        raise ApplicationError(_("Choose a procedure."), field="procedure")
    invited = list(invited)
    if procedure == Procedure.RESTRICTED and not invited:
        raise ApplicationError(
            _("A restricted tender needs invited manufacturers."), field="invited"
        )
    weight_fields = _check_weights(
        weights or {"price": 40, "technical": 25, "delivery": 15, "tests": 10,
                    "supply_chain": 10}
    )  # fmt: skip
    excluded = _check_excluded_origins(excluded_origins)
    price_formula = _check_price_formula(price_formula or PriceFormula.LOWEST_RATIO)
    standstill_days = _check_standstill(
        settings.AWARD_STANDSTILL_MIN_DAYS
        if standstill_days is None
        else standstill_days
    )
    with transaction.atomic():
        case = case_open(
            kind=CaseKind.TENDER,
            title=title,
            status=TenderStatus.DRAFT,
            actor=actor,
            # Its workflow's deadline for a draft (``Tender.workflow.due``).
            due_date=timezone.localdate(clarification_deadline),
        )
        tender = Tender.objects.create(
            case=case, title=title, description=description, pool=pool,
            procedure=procedure, clarification_deadline=clarification_deadline,
            submission_deadline=submission_deadline, excluded_origins=excluded,
            standstill_days=standstill_days, price_formula=price_formula,
            **weight_fields,
        )  # fmt: skip
        tender.requirements.set(requirements)
        tender.invited.set(invited)
        timeline_record(
            subject=tender,
            case=case,
            actor=actor,
            action="drafted",
            description=_("Tender %(ref)s drafted") % {"ref": case.reference},
        )
    return tender


def _lot_problems(capability: CapabilityCategory, *, pool, requirements) -> list[str]:
    """Why a lot of ``capability`` does not belong in a tender paid from ``pool``
    and answering ``requirements``: the pool's earmark (the non-lethal pool never
    pays for a lethal capability, an earmarked pool only for its categories), and
    the requirement it answers (one of the same capability, so that a lethal
    requirement is never answered by a lot the pool's earmark lets through)."""
    problems = []
    earmark = earmark_error(pool, [capability])
    if earmark:
        problems.append(earmark)
    requirements = list(requirements)
    if capability.pk not in {r.capability_id for r in requirements}:
        problems.append(
            _("Its capability (%(capability)s) is not that of a requirement the "
              "tender answers (%(list)s).")
            % {
                "capability": capability.name,
                "list": ", ".join(
                    f"{r.reference} {r.capability.name}" for r in requirements
                ) or _("none"),
            }
        )  # fmt: skip
    return problems


def tender_publication_errors(tender: Tender) -> list[str]:
    """Why the tender cannot be published as it stands, every reason at once:
    each lot its pool may not pay for or that answers none of its requirements,
    and each requirement no lot answers. Publication checks again what adding a
    lot checked, since a capability's lethality may have changed since then."""
    requirements = list(tender.requirements.select_related("capability"))
    lots = list(tender.lots.select_related("capability").order_by("number"))
    errors = []
    for lot in lots:
        problems = _lot_problems(
            lot.capability, pool=tender.pool, requirements=requirements
        )
        if problems:
            errors.append(
                _("Lot %(n)d “%(title)s”: %(problems)s")
                % {"n": lot.number, "title": lot.title, "problems": " ".join(problems)}
            )
    answered = {lot.capability_id for lot in lots}
    for requirement in requirements:
        if lots and requirement.capability_id not in answered:
            errors.append(
                _("%(ref)s (%(capability)s) is answered by no lot of its capability.")
                % {
                    "ref": requirement.reference,
                    "capability": requirement.capability.name,
                }
            )
    return errors


def _lock_capabilities(tender: Tender) -> None:
    """Lock the capability categories of the tender's lots and requirements, so
    that their lethality cannot change between the check and the commit (the
    reference data service takes the same lock before it checks what depends
    on a category)."""
    list(
        CapabilityCategory.objects.select_for_update()
        .filter(
            Q(pk__in=tender.lots.values("capability"))
            | Q(pk__in=tender.requirements.values("capability"))
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _check_publishable(tender: Tender, *, amending: bool = False) -> None:
    _lock_capabilities(tender)
    errors = tender_publication_errors(tender)
    if errors:
        message = (
            _("%(ref)s cannot be amended: its lots break the rules of pool "
              "“%(pool)s” or of its requirements. %(errors)s")
            if amending
            else _("%(ref)s cannot be published from pool “%(pool)s”: %(errors)s")
        )  # fmt: skip
        raise ApplicationError(
            message
            % {
                "ref": tender.case.reference,
                "pool": tender.pool.name,
                "errors": " ".join(errors),
            },
            field="lots",
        )


def lot_add(
    *,
    tender: Tender,
    actor: User,
    title: str,
    capability: CapabilityCategory,
    quantity: int,
    max_unit_price: Decimal,
    delivery_from: date,
    delivery_to: date,
) -> Lot:
    title = required_text(title, field="title", message=_("Give the lot a title."))
    if int(quantity) <= 0:
        raise ApplicationError(_("The quantity must be at least 1."), field="quantity")
    if Decimal(max_unit_price) <= 0:
        raise ApplicationError(
            _("The maximum unit price must be greater than zero."),
            field="max_unit_price",
        )
    if delivery_to < delivery_from:
        raise ApplicationError(
            _("The delivery window ends before it starts."), field="delivery_to"
        )
    with transaction.atomic():
        tender = _lock_tender(tender)
        policy.require("tender.add_lot", actor, tender)
        problems = _lot_problems(
            capability,
            pool=tender.pool,
            requirements=tender.requirements.select_related("capability"),
        )
        if problems:
            raise ApplicationError(problems[0], field="capability")
        number = (tender.lots.aggregate(n=Max("number"))["n"] or 0) + 1
        lot = Lot.objects.create(
            tender=tender, number=number, title=title, capability=capability,
            quantity=quantity, max_unit_price=max_unit_price,
            delivery_from=delivery_from, delivery_to=delivery_to,
        )  # fmt: skip
        timeline_record(
            subject=tender,
            case=tender.case,
            actor=actor,
            action="lot_added",
            description=_("Lot %(n)d added: %(title)s") % {"n": number, "title": title},
        )
    return lot


def tender_update(
    *,
    tender: Tender,
    actor: User,
    title: str | None = None,
    description: str | None = None,
    requirements=None,
    pool=None,
    clarification_deadline: datetime | None = None,
    submission_deadline: datetime | None = None,
    procedure: str | None = None,
    weights: Mapping[str, int] | None = None,
    excluded_origins=None,
    standstill_days: int | None = None,
    invited=None,
    price_formula: str | None = None,
) -> Tender:
    """Edit a draft tender; what is not given stays as it is. The deadlines may
    be set to any dates in order (a draft whose deadlines passed gets new ones):
    publication checks that they are still ahead. A published tender is
    amended instead (``tender_amend``)."""
    with transaction.atomic():
        tender = _lock_tender(tender)
        policy.require("tender.edit", actor, tender)
        before = _editable_state(tender)
        if title is not None:
            tender.title = required_text(
                title, field="title", message=_("Give the tender a title.")
            )
        if description is not None:
            tender.description = description
        if requirements is not None:
            requirements = list(requirements)
            if not requirements:
                raise ApplicationError(
                    _("A tender answers at least one requirement."),
                    field="requirements",
                )
            not_open = [
                r.reference for r in requirements if r.status != RequirementStatus.OPEN
            ]
            if not_open:
                raise ConflictError(
                    _("These requirements are not open: %(refs)s.")
                    % {"refs": ", ".join(not_open)},
                    field="requirements",
                )
        if pool is not None:
            tender.pool = pool
        if clarification_deadline is not None:
            tender.clarification_deadline = clarification_deadline
        if submission_deadline is not None:
            tender.submission_deadline = submission_deadline
        if not tender.clarification_deadline < tender.submission_deadline:
            raise ApplicationError(
                _("The clarification deadline must be before the submission "
                  "deadline."),
                field="submission_deadline",
            )  # fmt: skip
        if procedure is not None:
            if procedure not in Procedure.values:
                raise ApplicationError(_("Choose a procedure."), field="procedure")
            tender.procedure = procedure
        invited = list(invited) if invited is not None else None
        if tender.procedure == Procedure.RESTRICTED and not (
            invited if invited is not None else before["invited"]
        ):
            raise ApplicationError(
                _("A restricted tender needs invited manufacturers."), field="invited"
            )
        if weights is not None:
            for name, value in _check_weights(weights).items():
                setattr(tender, name, value)
        if excluded_origins is not None:
            tender.excluded_origins = _check_excluded_origins(excluded_origins)
        if standstill_days is not None:
            tender.standstill_days = _check_standstill(standstill_days)
        if price_formula:
            tender.price_formula = _check_price_formula(price_formula)
        if (pool is not None or requirements is not None) and tender.lots.exists():
            # The lots already added must still fit: the pool's earmark and the
            # requirements they answer (publication checks it all again).
            answered = requirements
            if answered is None:
                answered = tender.requirements.select_related("capability")
            answered = list(answered)
            for lot in tender.lots.select_related("capability"):
                problems = _lot_problems(
                    lot.capability, pool=tender.pool, requirements=answered
                )
                if problems:
                    raise ApplicationError(
                        _("Lot %(n)d “%(title)s”: %(problems)s")
                        % {"n": lot.number, "title": lot.title,
                           "problems": " ".join(problems)},
                        field="pool" if pool is not None else "requirements",
                    )  # fmt: skip
        tender.save()
        if requirements is not None:
            tender.requirements.set(requirements)
        if invited is not None:
            tender.invited.set(invited)
        case = tender.case
        case.title = tender.title
        case.due_date = Tender.workflow.due_date(tender)
        case.save(update_fields=["title", "due_date", "updated_at"])
        edit_record(
            subject=tender,
            case=case,
            actor=actor,
            before=before,
            after=_editable_state(tender),
            labels=EDITED_LABELS,
            summary=_("Draft edited: %(fields)s"),
        )
    return tender


# What a draft's timeline says was edited.
EDITED_LABELS = {
    "title": gettext_lazy("title"),
    "description": gettext_lazy("description"),
    "requirements": gettext_lazy("requirements"),
    "pool": gettext_lazy("funding pool"),
    "clarification_deadline": gettext_lazy("clarifications until"),
    "submission_deadline": gettext_lazy("bids until"),
    "procedure": gettext_lazy("procedure"),
    "invited": gettext_lazy("invited manufacturers"),
    **{
        f"weight_{name}": Tender._meta.get_field(f"weight_{name}").verbose_name
        for name in CRITERIA
    },
    "excluded_origins": gettext_lazy("excluded component origins"),
    "standstill_days": gettext_lazy("standstill"),
    "price_formula": gettext_lazy("price formula"),
}


def _editable_state(tender: Tender) -> dict:
    """A draft's editable fields as its timeline shows them, old → new."""
    return {
        "title": tender.title,
        "description": tender.description,
        "requirements": [
            Requirement(pk=pk).reference
            for pk in tender.requirements.order_by("pk").values_list("pk", flat=True)
        ],
        "pool": _(tender.pool.name),
        "clarification_deadline": tender.clarification_deadline,
        "submission_deadline": tender.submission_deadline,
        "procedure": str(tender.get_procedure_display()),
        "invited": sorted(tender.invited.values_list("name", flat=True)),
        **{f"weight_{name}": weight for name, weight in tender.weights().items()},
        "excluded_origins": sorted(tender.excluded_origins),
        "standstill_days": tender.standstill_days,
        "price_formula": str(tender.get_price_formula_display()),
    }


def tender_publish(*, tender: Tender, actor: User) -> Tender:
    with transaction.atomic():
        tender = _lock_tender(tender)
        policy.require("tender.publish", actor, tender)
        _check_standstill(tender.standstill_days)
        _check_publishable(tender)
        requirements = list(tender.requirements.order_by("pk"))
        taken = [
            f"{r.reference} ({r.get_status_display()})"
            for r in requirements
            if not Requirement.workflow.allows(r.status, RequirementStatus.IN_TENDER)
        ]
        if taken:
            raise ConflictError(
                _("%(ref)s cannot be published: these requirements are no longer "
                  "open: %(refs)s.")
                % {"ref": tender.case.reference, "refs": ", ".join(taken)}
            )  # fmt: skip
        tender.published_at = timezone.now()
        tender.save(update_fields=["published_at"])
        # The tender's own key pair, if its bids are sealed to a committee.
        committee_keys_issue(tender)
        for requirement in requirements:
            transition(
                requirement,
                to=RequirementStatus.IN_TENDER,
                actor=actor,
                description=_("%(req)s put out to tender in %(ref)s")
                % {"req": requirement.reference, "ref": tender.case.reference},
            )
        transition(tender, to=TenderStatus.PUBLISHED, actor=actor)
        ocds_release_record(tender=tender, tag="tender")
        tell.tell_tender_published(tender)
    return tender


def tender_amend(
    *, tender: Tender, actor: User, reason: str, description: str | None = None
) -> Tender:
    """Change a published tender. Bidders need time to take the change into
    account: the submission deadline moves to at least the minimum notice."""
    reason = required_text(
        reason, field="reason", message=_("Say what changed and why.")
    )
    with transaction.atomic():
        tender = _lock_tender(tender)
        policy.require("tender.amend", actor, tender)
        _check_publishable(tender, amending=True)
        if description is not None:
            tender.description = description
        earliest = timezone.now() + timedelta(days=settings.TENDER_AMENDMENT_MIN_DAYS)
        extended = tender.submission_deadline < earliest
        if extended:
            tender.submission_deadline = earliest
        tender.save(update_fields=["description", "submission_deadline"])
        timeline_record(
            subject=tender,
            case=tender.case,
            actor=actor,
            action="amended",
            description=(
                _("Tender amended; bids now until %(deadline)s")
                % {"deadline": when_text(tender.submission_deadline)}
                if extended
                else _("Tender amended")
            ),
            reason=reason,
        )
        ocds_release_record(tender=tender, tag="tenderAmendment")
        tell.tell_tender_amended(tender, reason)
    return tender


def tenders_advance_by_deadlines(*, now: datetime | None = None) -> int:
    """Move tenders whose deadlines have passed: published → tendering at the
    clarification deadline, tendering → closed at the submission deadline. Run
    periodically; safe to run twice (each move locks and re-checks the row)."""
    now = now or timezone.now()
    moved = 0
    due = Tender.objects.filter(
        Q(status=TenderStatus.PUBLISHED, clarification_deadline__lte=now)
        | Q(status=TenderStatus.TENDERING, submission_deadline__lte=now)
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            tender = _lock_tender(Tender(pk=pk))
            if (
                tender.status == TenderStatus.PUBLISHED
                and tender.clarification_deadline <= now
            ):
                transition(tender, to=TenderStatus.TENDERING, actor=None)
                moved += 1
            if (
                tender.status == TenderStatus.TENDERING
                and tender.submission_deadline <= now
            ):
                transition(tender, to=TenderStatus.CLOSED, actor=None)
                moved += 1
    return moved


def tender_cancel(*, tender: Tender, actor: User, reason: str) -> Tender:
    reason = require_reason(reason)
    with transaction.atomic():
        tender = _lock_tender(tender)
        policy.require("tender.cancel", actor, tender)
        published = tender.status != TenderStatus.DRAFT
        transition(tender, to=TenderStatus.CANCELLED, actor=actor, reason=reason)
        # The requirements it put out to tender are open again; a draft put
        # none out (one of its requirements may be in another tender).
        if published:
            for requirement in tender.requirements.filter(
                status=RequirementStatus.IN_TENDER
            ).order_by("pk"):
                transition(
                    requirement,
                    to=RequirementStatus.OPEN,
                    actor=actor,
                    reason=reason,
                    description=_("%(req)s open again: %(ref)s was cancelled")
                    % {"req": requirement.reference, "ref": tender.case.reference},
                )
            ocds_release_record(tender=tender, tag="tenderCancellation")
    return tender


@sensitive_variables("passphrases")
def tender_open(*, tender: Tender, actor: User, passphrases=None) -> Tender:
    """Open every bid at once, after the deadline: who, when, and how many.
    A tender whose bids are sealed to an opening committee opens with the
    passphrases of at least ``threshold`` of its members (``passphrases``: a
    passphrase by member id); before the deadline none is even tried."""
    with transaction.atomic():
        tender = _lock_tender(tender)
        policy.require("tender.open", actor, tender)
        committee = sealing_key_of(tender) is not None
        if committee:
            present = committee_bids_open(tender, passphrases=passphrases)
        if tender.status == TenderStatus.TENDERING:
            # The deadline has passed before the periodic task closed tendering.
            transition(tender, to=TenderStatus.CLOSED, actor=None)
        tender.opened_at = timezone.now()
        tender.opened_by = actor
        tender.save(update_fields=["opened_at", "opened_by"])
        transition(tender, to=TenderStatus.OPENED, actor=actor)
        live = list(
            Bid.objects.select_related("manufacturer__member_state").filter(
                lot__tender=tender, status=BidStatus.SUBMITTED
            )
        )
        for live_bid in live:
            try:
                _check_eligible(tender, live_bid.manufacturer)
            except ApplicationError as exc:
                live_bid.eligible, live_bid.ineligible_reason = False, exc.message
            else:
                live_bid.eligible, live_bid.ineligible_reason = True, ""
        Bid.objects.bulk_update(live, ["eligible", "ineligible_reason"])
        count = len(live)
        timeline_record(
            subject=tender,
            case=tender.case,
            actor=actor,
            action="bids_opened",
            description=ngettext("%(n)d bid opened", "%(n)d bids opened", count)
            % {"n": count},
        )
        if committee:
            timeline_record(
                subject=tender,
                case=tender.case,
                actor=actor,
                action="opened_by_committee",
                description=_("Bids opened by the committee: %(names)s")
                % {"names": ", ".join(str(opener.person) for opener in present)},
            )
        ocds_release_record(tender=tender, tag="tenderUpdate")
        tell.tell_bids_opened(tender)
    return tender


def clarification_ask(*, tender: Tender, actor: User, question: str) -> Clarification:
    question = required_text(
        question, field="question", message=_("Write your question.")
    )
    with transaction.atomic():
        tender = _lock_tender(tender)
        policy.require("clarification.ask", actor, tender)
        manufacturer = Manufacturer.objects.select_related("member_state").get(
            pk=actor.manufacturer_id
        )
        _check_eligible(tender, manufacturer)
        return Clarification.objects.create(
            tender=tender, question=question, asked_by=actor
        )


def clarification_answer(
    *, clarification: Clarification, actor: User, answer: str
) -> Clarification:
    policy.require("clarification.answer", actor, clarification.tender)
    answer = required_text(answer, field="answer", message=_("Write the answer."))
    with transaction.atomic():
        clarification = Clarification.objects.select_for_update().get(
            pk=clarification.pk
        )
        clarification.answer = answer
        clarification.answered_by = actor
        clarification.answered_at = timezone.now()
        clarification.save(update_fields=["answer", "answered_by", "answered_at"])
        # The answer is published to every bidder without naming who asked.
        timeline_record(
            subject=clarification.tender,
            case=clarification.tender.case,
            actor=actor,
            action="clarification_answered",
            description=_("Clarification answered"),
        )
        ocds_release_record(tender=clarification.tender, tag="tenderUpdate")
        tell.tell_clarification_answered(clarification.tender)
    return clarification


def _check_eligible(tender: Tender, manufacturer: Manufacturer) -> None:
    """The tender's eligibility rules (``policy.bids.ineligibility``), with the
    reason a manufacturer fails."""
    reason = bid_policy.ineligibility(tender, manufacturer)
    if reason:
        raise ApplicationError(reason)
