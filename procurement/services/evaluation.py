"""Writes of the evaluation: the committee, declarations, scores and the
recommendation."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement import notifications as tell
from procurement.models import (
    PRICE,
    TYPED_CRITERIA,
    Award,
    Bid,
    BidStatus,
    CommitteeMember,
    Lot,
    MemberStanding,
    Score,
    Tender,
    TenderStatus,
)
from procurement.services.common import _lock_tender
from secretariat.accounts.models import User
from secretariat.kernel import policy
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.services import (
    required_text,
    timeline_record,
    transition,
)


def committee_appoint(
    *, tender: Tender, actor: User, evaluator: User
) -> CommitteeMember:
    with transaction.atomic():
        tender = _lock_tender(tender)
        policy.require("committee.appoint", actor, tender)
        # Who may sit on a committee: whoever the policy lets evaluate at all.
        if not evaluator.has_perm("procurement.evaluate"):
            raise ApplicationError(
                _("%(name)s is not an evaluator.") % {"name": evaluator},
                field="evaluator",
            )
        if tender.committee.filter(evaluator=evaluator).exists():
            raise ConflictError(
                _("%(name)s is already on the committee.") % {"name": evaluator}
            )
        member = CommitteeMember.objects.create(
            tender=tender, evaluator=evaluator, appointed_by=actor
        )
        timeline_record(
            subject=tender,
            case=tender.case,
            actor=actor,
            action="evaluator_appointed",
            description=_("%(name)s appointed to the evaluation committee")
            % {"name": evaluator},
        )
    return member


def _lock_seat(member: CommitteeMember) -> CommitteeMember:
    return (
        CommitteeMember.objects.select_for_update(of=("self",))
        .select_related("tender__case")
        .get(pk=member.pk)
    )


def committee_declare(
    *, member: CommitteeMember, actor: User, conflict: bool, note: str = ""
) -> CommitteeMember:
    """The evaluator declares, once the bidders are known, whether they have a
    conflict of interest with any of them. A conflict removes them."""
    with transaction.atomic():
        member = _lock_seat(member)
        policy.require("committee.declare", actor, member)
        tender = member.tender
        if conflict and not note.strip():
            raise ApplicationError(
                _("Describe the conflict of interest."), field="note"
            )
        member.declared_for = sorted(
            Bid.objects.filter(lot__tender=tender, status=BidStatus.SUBMITTED)
            .values_list("manufacturer_id", flat=True)
            .distinct()
        )
        member.standing = (
            MemberStanding.RECUSED if conflict else MemberStanding.DECLARED
        )
        member.conflict_note = note.strip()
        member.declared_at = timezone.now()
        member.save(
            update_fields=["declared_for", "standing", "conflict_note", "declared_at"]
        )
        timeline_record(
            subject=tender,
            case=tender.case,
            actor=actor,
            action="conflict_declared",
            description=(
                _("%(name)s declared a conflict of interest and is removed from the "
                  "committee")
                if conflict
                else _("%(name)s declared no conflict of interest with any bidder")
            )
            % {"name": actor},
            reason=member.conflict_note,
        )  # fmt: skip
    return member


def tender_start_evaluation(*, tender: Tender, actor: User) -> Tender:
    with transaction.atomic():
        tender = _lock_tender(tender)
        policy.require("tender.start_evaluation", actor, tender)
        transition(tender, to=TenderStatus.EVALUATION, actor=actor)
        tell.tell_scores_awaited(tender)
    return tender


def score_record(
    *,
    member: CommitteeMember,
    actor: User,
    bid: Bid,
    criterion: str,
    value: int,
    comment: str = "",
) -> Score:
    with transaction.atomic():
        member = _lock_seat(member)
        policy.require("scoresheet.score", actor, member)
        if bid.lot.tender_id != member.tender_id:
            raise ApplicationError(_("That bid is not in this tender."), field="bid")
        if not bid.eligible or bid.status != BidStatus.SUBMITTED:
            raise ConflictError(
                _("Ineligible or withdrawn bids are not scored."), field="bid"
            )
        if criterion == PRICE:
            raise ApplicationError(
                _("The price is not typed: it is scored by the tender's formula "
                  "(%(formula)s).")
                % {"formula": member.tender.get_price_formula_display()},
                field="criterion",
            )  # fmt: skip
        if criterion not in TYPED_CRITERIA:
            raise ApplicationError(
                _("Criteria: %(list)s.") % {"list": ", ".join(TYPED_CRITERIA)},
                field="criterion",
            )
        if not 0 <= int(value) <= 100:
            raise ApplicationError(
                _("A score is a whole number from 0 to 100."), field="value"
            )
        score, _created = Score.objects.update_or_create(
            member=member,
            bid=bid,
            criterion=criterion,
            defaults={"value": int(value), "comment": comment.strip()},
        )
    return score


def scores_record(
    *,
    member: CommitteeMember,
    actor: User,
    rows: list[tuple[Bid, dict[str, int], str]],
) -> None:
    """Record an evaluator's scores of several bids, as their matrix sends
    them: ``rows`` of (bid, {criterion: value}, comment). All are saved or
    none; the policy is asked even when nothing is sent, so that a page
    saved by someone who may not score is refused rather than "saved"."""
    with transaction.atomic():
        policy.require("scoresheet.score", actor, _lock_seat(member))
        for bid, values, comment in rows:
            for criterion, value in values.items():
                score_record(
                    member=member,
                    actor=actor,
                    bid=bid,
                    criterion=criterion,
                    value=value,
                    comment=comment,
                )


def scoresheet_submit(*, member: CommitteeMember, actor: User) -> CommitteeMember:
    """Submit one's scores: every eligible bid on every criterion (the policy
    ``scoresheet.submit``). After this the evaluator sees the others' scores,
    and theirs no longer change."""
    with transaction.atomic():
        member = _lock_seat(member)
        policy.require("scoresheet.submit", actor, member)
        member.scores_submitted_at = timezone.now()
        member.save(update_fields=["scores_submitted_at"])
        timeline_record(
            subject=member.tender,
            case=member.tender.case,
            actor=actor,
            action="scores_submitted",
            description=_("%(name)s submitted their scores") % {"name": actor},
        )
    return member


def award_recommend(*, lot: Lot, bid: Bid, actor: User, justification: str) -> Award:
    """The procurement officer recommends the bid to award a lot, with the
    reasons (usually the ranking; a departure from it must be explained)."""
    with transaction.atomic():
        tender = _lock_tender(lot.tender)
        lot.tender = tender
        policy.require("award.recommend", actor, lot)
        justification = required_text(
            justification,
            field="justification",
            message=_("Explain the recommendation."),
        )
        bid = Bid.objects.select_related("lot").get(pk=bid.pk)
        if bid.lot_id != lot.pk:
            raise ApplicationError(_("That bid is not for this lot."), field="bid")
        if not bid.eligible or bid.status != BidStatus.SUBMITTED:
            raise ConflictError(_("Only an eligible bid can be awarded."), field="bid")
        try:
            with transaction.atomic():
                award = Award.objects.create(
                    lot=lot, bid=bid, justification=justification,
                    recommended_by=actor,
                )  # fmt: skip
        except IntegrityError as exc:
            raise ConflictError(
                _("Lot %(n)d already has an award.") % {"n": lot.number}
            ) from exc
        timeline_record(
            subject=tender,
            case=tender.case,
            actor=actor,
            action="award_recommended",
            description=_("Lot %(n)d: award to %(name)s recommended")
            % {"n": lot.number, "name": bid.manufacturer.name},
            reason=justification,
        )
        tell.tell_award_recommended(award)
    return award
