"""Policies of procurement: the evaluation.

A procurement officer appoints the committee, starts the evaluation and
recommends awards. An evaluator on the committee declares, once the bidders
are known, whether they have a conflict of interest; only one who declared
none scores the bids and submits the score sheet, while the tender is being
evaluated. A superuser holds the Administrator role only (see
``secretariat.kernel.roles.role_names``): it never scores.
"""

from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procurement.models import (
    TYPED_CRITERIA,
    Award,
    AwardStatus,
    Bid,
    BidStatus,
    CommitteeMember,
    Lot,
    MemberStanding,
    Score,
    Tender,
    TenderStatus,
)
from procurement.policy.manufacturers import runs_procurement
from secretariat.kernel.policy import (
    STATE,
    Decision,
    action,
    allow,
    first_refusal,
    not_now,
    queue,
    refuse,
)
from secretariat.kernel.roles import Role, role_names

T = TenderStatus

# Once a tender is here, its committee no longer changes.
EVALUATION_OVER = frozenset({T.AWARDED, T.CONTRACTED, T.CANCELLED, T.UNSUCCESSFUL})
# The bidders are known (the bids are opened) and the committee declares.
DECLARING = frozenset({T.OPENED, T.EVALUATION})


def _officer(user, reason) -> Decision:
    """A procurement officer, or an administrator (who runs tenders: see
    ``policy.manufacturers.runs_procurement``), but never scores."""
    if runs_procurement(user):
        return allow()
    return refuse(reason, hidden=True)


def _moved_past(reason) -> Decision:
    """The tender's status is not one the action belongs to at all: refused
    with the reason (409), and left off the tender's page rather than shown
    disabled on every tender that has moved past it."""
    return Decision(False, reason, STATE, hidden=True)


def is_evaluator(user) -> bool:
    return Role.EVALUATOR in role_names(user)


# ---------------------------------------------------------------- the officer


@action("committee.appoint", label=gettext_lazy("Appoint an evaluator"), model=Tender)
def appoint(user, tender) -> Decision:
    return first_refusal(
        _officer(user, _("Only a procurement officer appoints evaluators.")),
        lambda: _moved_past(_("The evaluation of %(ref)s is over.")
                            % {"ref": tender.case.reference})
        if tender.status in EVALUATION_OVER
        else allow(),
    )  # fmt: skip


def _has_declared_member(tender: Tender) -> Decision:
    if tender.committee.filter(standing=MemberStanding.DECLARED).exists():
        return allow()
    return not_now(
        _("At least one evaluator must have declared no conflict of interest.")
    )


@action(
    "tender.start_evaluation",
    label=gettext_lazy("Start the evaluation"),
    model=Tender,
    work_label=gettext_lazy("Start the committee's evaluation of the bids"),
)
def start_evaluation(user, tender) -> Decision:
    def from_status() -> Decision:
        # The table's other way into evaluation, from awarded, is a complaint
        # upheld (``complaint.decide``), not this action.
        if tender.status == T.OPENED:
            return allow()
        return _moved_past(
            _("%(ref)s is %(status)s: the evaluation starts once the bids are "
              "opened.")
            % {"ref": tender.case.reference,
               "status": tender.get_status_display().lower()}
        )  # fmt: skip

    return first_refusal(
        _officer(user, _("Only a procurement officer starts the evaluation.")),
        from_status,
        lambda: _has_declared_member(tender),
    )


@queue("tender.start_evaluation")
def evaluations_to_start(user, tenders: QuerySet) -> QuerySet:
    if not runs_procurement(user):
        return tenders.none()
    return tenders.filter(
        status=T.OPENED,
        pk__in=CommitteeMember.objects.filter(standing=MemberStanding.DECLARED).values(
            "tender"
        ),
    )


LIVE_AWARD = (AwardStatus.RECOMMENDED, AwardStatus.APPROVED)
# What ``award.recommend`` reads of a lot, as annotations a page's query of the
# lots carries (``Lot.objects.annotate(**LOT_AWARD_FACTS)``): no query per lot.
LOT_AWARD_FACTS = {
    "has_live_award": Exists(
        Award.objects.filter(lot=OuterRef("pk"), status__in=LIVE_AWARD)
    ),
    "committee_scored": Exists(
        CommitteeMember.objects.filter(
            tender=OuterRef("tender"), scores_submitted_at__isnull=False
        )
    ),
    # A member who declared no conflict (and so is scoring) but has not
    # submitted their sheet yet.
    "committee_pending": Exists(
        CommitteeMember.objects.filter(
            tender=OuterRef("tender"),
            standing=MemberStanding.DECLARED,
            scores_submitted_at__isnull=True,
        )
    ),
}


def _sheets_pending_anywhere() -> QuerySet:
    return CommitteeMember.objects.filter(
        standing=MemberStanding.DECLARED, scores_submitted_at__isnull=True
    )


def _sheets_pending(tender) -> QuerySet:
    return tender.committee.filter(
        standing=MemberStanding.DECLARED, scores_submitted_at__isnull=True
    )


@action("award.recommend", label=gettext_lazy("Recommend the award"), model=Lot)
def recommend(user, lot) -> Decision:
    tender = lot.tender

    def during_evaluation() -> Decision:
        if tender.status == T.EVALUATION:
            return allow()
        # Not a move of the tender's stage: not offered.
        return _moved_past(_("Awards are recommended during the evaluation."))

    def not_awarded() -> Decision:
        awarded = getattr(lot, "has_live_award", None)
        if awarded is None:
            awarded = lot.awards.filter(status__in=LIVE_AWARD).exists()
        if awarded:
            return not_now(_("Lot %(n)d already has an award.") % {"n": lot.number})
        return allow()

    # The award follows the whole committee's judgement: every member who
    # declared no conflict (and so scores) has submitted their sheet. A member
    # who never declared does not hold the tender up.
    def scored() -> Decision:
        sheets = getattr(lot, "committee_scored", None)
        if sheets is None:
            sheets = tender.committee.filter(scores_submitted_at__isnull=False).exists()
        if not sheets:
            return not_now(_("The committee has not submitted any scores yet."))
        pending = getattr(lot, "committee_pending", None)
        if pending is None:
            pending = _sheets_pending(tender).exists()
        if pending:
            return not_now(
                _("Not every member of the committee has submitted their scores yet.")
            )
        return allow()

    return first_refusal(
        _officer(user, _("Only a procurement officer recommends awards.")),
        during_evaluation,
        not_awarded,
        scored,
    )


@queue("award.recommend")
def lots_to_recommend(user, lots: QuerySet) -> QuerySet:
    if not runs_procurement(user):
        return lots.none()
    return (
        lots.filter(
            tender__status=T.EVALUATION,
            tender__in=CommitteeMember.objects.filter(
                scores_submitted_at__isnull=False
            ).values("tender"),
        )
        .exclude(tender__in=_sheets_pending_anywhere().values("tender"))
        .exclude(awards__status__in=LIVE_AWARD)
    )


# ---------------------------------------------------------------- the evaluator


def _own_seat(user, member, reason) -> Decision:
    if is_evaluator(user) and member.evaluator_id == user.pk:
        return allow()
    return refuse(reason, hidden=True)


def _own_seats(user, members: QuerySet) -> QuerySet:
    if not is_evaluator(user):
        return members.none()
    return members.filter(evaluator=user)


@action(
    "committee.declare",
    label=gettext_lazy("Declare"),
    model=CommitteeMember,
    work_label=gettext_lazy("Declare any conflict of interest with the bidders"),
)
def declare(user, member) -> Decision:
    def appointed() -> Decision:
        if member.standing == MemberStanding.APPOINTED:
            return allow()
        # A declaration is made once: not offered again.
        return _moved_past(_("You have already declared."))

    def bidders_known() -> Decision:
        if member.tender.status in DECLARING:
            return allow()
        if member.tender.status in EVALUATION_OVER:
            return _moved_past(
                _("The evaluation of %(ref)s is over.")
                % {"ref": member.tender.case.reference}
            )
        return not_now(
            _("Declarations are made once the bids are opened and the bidders "
              "known.")
        )  # fmt: skip

    return first_refusal(
        _own_seat(user, member, _("Only the evaluator declares for themselves.")),
        appointed,
        bidders_known,
    )


@queue("committee.declare")
def seats_to_declare(user, members: QuerySet) -> QuerySet:
    return _own_seats(user, members).filter(
        standing=MemberStanding.APPOINTED, tender__status__in=DECLARING
    )


def _may_score(user, member) -> Decision:
    def declared() -> Decision:
        if member.standing == MemberStanding.RECUSED:
            return refuse(
                _("You declared a conflict of interest with a bidder of %(ref)s and "
                  "are removed from its committee: you do not score its bids.")
                % {"ref": member.tender.case.reference}
            )  # fmt: skip
        if member.standing != MemberStanding.DECLARED:
            return not_now(
                _("Declare that you have no conflict of interest before scoring.")
            )
        return allow()

    def evaluating() -> Decision:
        if member.tender.status in EVALUATION_OVER:
            # Scoring is over for good: not offered.
            return _moved_past(_("The tender is not being evaluated."))
        if member.tender.status != T.EVALUATION:
            return not_now(_("The tender is not being evaluated."))
        if member.scores_submitted_at is not None:
            # A submitted sheet is final: scoring is not offered again.
            return _moved_past(_("Your scores are submitted and can no longer change."))
        return allow()

    return first_refusal(
        _own_seat(user, member, _("Evaluators score for themselves only.")),
        declared,
        evaluating,
    )


@action(
    "scoresheet.score",
    label=gettext_lazy("Score"),
    model=CommitteeMember,
    perm="procurement.evaluate",
    work_label=gettext_lazy("Score the bids"),
)
def score(user, member) -> Decision:
    """Without a seat: whether ``user`` evaluates at all (the menu, the
    evaluation queue, the API's door, who may be appointed)."""
    if not isinstance(member, CommitteeMember):
        if is_evaluator(user):
            return allow()
        return refuse(_("Only an evaluator scores bids."), hidden=True)
    return _may_score(user, member)


@queue("scoresheet.score")
def seats_to_score(user, members: QuerySet) -> QuerySet:
    return _own_seats(user, members).filter(
        standing=MemberStanding.DECLARED,
        tender__status=T.EVALUATION,
        scores_submitted_at__isnull=True,
    )


def _eligible_bids(tender) -> QuerySet:
    return Bid.objects.filter(
        lot__tender=tender, status=BidStatus.SUBMITTED, eligible=True
    )


@action(
    "scoresheet.submit",
    label=gettext_lazy("Submit the score sheet"),
    model=CommitteeMember,
    work_label=gettext_lazy("Submit your score sheet"),
)
def submit(user, member) -> Decision:
    # Every eligible bid on every typed criterion: price is the formula's.
    def complete() -> Decision:
        needed = _eligible_bids(member.tender).count() * len(TYPED_CRITERIA)
        given = member.scores.filter(
            bid__eligible=True, criterion__in=TYPED_CRITERIA
        ).count()
        if given < needed:
            return not_now(
                _("Score every eligible bid on every criterion first (%(given)d of "
                  "%(needed)d).")
                % {"given": given, "needed": needed}
            )  # fmt: skip
        return allow()

    return first_refusal(_may_score(user, member), complete)


@queue("scoresheet.submit")
def sheets_to_submit(user, members: QuerySet) -> QuerySet:
    eligible = (
        _eligible_bids(OuterRef("tender"))
        .order_by()
        .values("lot__tender")
        .annotate(n=Count("pk"))
        .values("n")
    )
    given = (
        Score.objects.filter(
            member=OuterRef("pk"), bid__eligible=True, criterion__in=TYPED_CRITERIA
        )
        .order_by()
        .values("member")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        seats_to_score(user, members)
        .annotate(
            _scores_given=Coalesce(Subquery(given), Value(0)),
            _scores_needed=Coalesce(Subquery(eligible), Value(0)) * len(TYPED_CRITERIA),
        )
        .filter(_scores_given__gte=F("_scores_needed"))
    )


EVALUATOR_ACTIONS = ("committee.declare", "scoresheet.score", "scoresheet.submit")
