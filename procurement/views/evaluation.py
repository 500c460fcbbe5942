"""Pages of the evaluation: the committee, the evaluator's queue, declarations,
scores, the recommendation."""

from decimal import ROUND_HALF_UP

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, Q, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procurement import pricing, selectors, services, track_record
from procurement.filters import (
    EVALUATION_SORTS,
    EvaluationSeatFilter,
)
from procurement.forms import (
    CRITERION_LABELS,
    AppointForm,
    AwardRecommendForm,
    DeclarationForm,
    ScoreMatrixForm,
    SubmitScoresForm,
)
from procurement.models import (
    PRICE,
    TYPED_CRITERIA,
    BidStatus,
    MemberStanding,
)
from procurement.policy.evaluation import EVALUATION_OVER
from procurement.views.common import (
    T,
    _action_refusal,
    _form_page,
    _lot_or_404,
    _offer,
    _refused_form,
    _tender_or_404,
    _tender_url,
)
from secretariat.kernel import policy
from secretariat.kernel.forms import (
    call_service,
    posted,
    require_permission,
)
from secretariat.kernel.listing import list_page


@login_required
def committee_appoint(request, reference):
    tender = _tender_or_404(request, reference)
    refusal = _action_refusal(request, "committee.appoint", tender)
    form = AppointForm(posted(request)[0])
    shown, notice = _refused_form(request, form, refusal)
    if request.method == "POST" and form.is_valid():
        evaluator = form.cleaned_data["evaluator"]
        if call_service(
            form,
            lambda: services.committee_appoint(
                tender=tender, actor=request.user, evaluator=evaluator
            ),
        ):
            messages.success(
                request,
                _("%(name)s is appointed to the evaluation committee.")
                % {"name": evaluator},
            )
            return redirect(_tender_url(tender))
    return _form_page(
        request,
        shown,
        title=_("Appoint an evaluator to %(ref)s") % {"ref": tender.case.reference},
        tender=tender,
        notice=notice,
        intro=_(
            "Once the bids are opened, the evaluator declares whether they have a "
            "conflict of interest with any bidder; only then are the bids shown "
            "to them."
        ),
        submit=_("Appoint"),
        back_url=_tender_url(tender),
    )


@login_required
def award_recommend(request, reference, number):
    tender = _tender_or_404(request, reference)
    lot = _lot_or_404(tender, number)
    refusal = _action_refusal(request, "award.recommend", lot)
    bids = (
        selectors.bids_for(request.user)
        .filter(lot=lot, status=BidStatus.SUBMITTED, eligible=True)
        .select_related("manufacturer")
    )
    ranked = []
    if selectors.bids_are_opened(tender):
        ranked = selectors.ranking(tender, lot=lot).ranked
    totals = {row.bid.pk: row.total for row in ranked}
    best = max(ranked, key=lambda row: row.total, default=None)
    # The choices in the ranking's order, best first, as the page says.
    by_rank = sorted(ranked, key=lambda row: row.total, reverse=True)
    if by_rank:
        bids = bids.order_by(
            Case(
                *[When(pk=row.bid.pk, then=Value(i)) for i, row in enumerate(by_rank)],
                default=Value(len(by_rank)),
            ),
            "pk",
        )
    form = AwardRecommendForm(
        posted(request)[0],
        bids=bids,
        initial={"bid": best.bid.public_id if best else None},
    )
    form.fields["bid"].label_from_instance = lambda bid: (
        _("%(name)s: %(total)s points")
        % {"name": bid.manufacturer.name, "total": totals.get(bid.pk, "—")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if call_service(
            form,
            lambda: services.award_recommend(
                lot=lot,
                bid=data["bid"],
                actor=request.user,
                justification=data["justification"],
            ),
        ):
            messages.success(
                request,
                _("The award of lot %(n)d is recommended; a co-lead approver "
                  "approves it next.") % {"n": lot.number},
            )  # fmt: skip
            return redirect(_tender_url(tender))
    shown, notice = _refused_form(request, form, refusal)
    return _form_page(
        request,
        shown,
        title=_("Recommend the award of lot %(n)d of %(ref)s")
        % {"n": lot.number, "ref": tender.case.reference},
        tender=tender,
        notice=notice,
        intro=_(
            "The weighted scores of the submitted score sheets are shown with "
            "each bid, best first."
        ),
        submit=_("Recommend award"),
        back_url=_tender_url(tender),
    )


# What the evaluator does next on a seat where the policies let them act now.
SEAT_ACTIONS = {
    "committee.declare": gettext_lazy(
        "Declare whether you have a conflict of interest."
    ),
    "scoresheet.submit": gettext_lazy(
        "Submit your score sheet: every eligible bid is scored."
    ),
    "scoresheet.score": gettext_lazy("Score the bids and submit your score sheet."),
}


def _seat_next_step(seat, actionable) -> str:
    """The first action the evaluator may take on the seat now (the
    policies' answer, ``actionable``), or what they are waiting for."""
    for name, step in SEAT_ACTIONS.items():
        if name in actionable:
            return str(step)
    if seat.standing == MemberStanding.RECUSED:
        return _("Nothing: you recused yourself.")
    if seat.tender.status in EVALUATION_OVER:
        return _("Nothing: the evaluation is over.")
    if not selectors.bids_are_opened(seat.tender):
        return _("Wait: the bids are sealed until they are opened.")
    if seat.scores_submitted_at:
        return _("Nothing: your scores are submitted.")
    if seat.standing == MemberStanding.DECLARED and seat.tender.status == T.EVALUATION:
        return _("Score every eligible bid on every criterion, then submit.")
    return _("Wait for the evaluation to start.")


# The queue's sorts: by default, what the evaluator may do now first, newest
# first within each.
QUEUE_SORTS = {"next": "waiting", **EVALUATION_SORTS}


@login_required
def evaluation_queue(request):
    require_permission(request, "procurement.evaluate")
    # The seats where the evaluator may act now (declare, score, submit: the
    # policies' queues) first, those waiting on someone else after.
    seats = selectors.committee_seats_for(request.user).annotate(
        waiting=Case(
            When(
                pk__in=selectors.seats_awaiting(request.user).values("pk"),
                then=Value(0),
            ),
            default=Value(1),
        )
    )
    context = list_page(
        request,
        seats,
        filterset_class=EvaluationSeatFilter,
        sorts=QUEUE_SORTS,
        default_sort="next",
        tiebreak=("-tender__case__opened_at", "-id"),
    )
    shown = seats.filter(pk__in=[seat.pk for seat in context["page"].object_list])
    actionable = selectors.seat_actions_now(request.user, shown)
    for seat in context["page"].object_list:
        seat.actionable = actionable.get(seat.pk, set())
        seat.next_step = _seat_next_step(seat, seat.actionable)
    context["awaiting"] = selectors.seats_awaiting(request.user).count()
    return render(request, "procurement/evaluation_queue.html", context)


def _seat_or_404(request, pk):
    return get_object_or_404(selectors.committee_seats_for(request.user), pk=pk)


def _committee_scores(scores, seat):
    """The submitted sheets, per bid: one row per evaluator (the typed
    criteria; price is the formula's, the same for all)."""
    table = {}
    for score in scores:
        rows = table.setdefault(score.bid_id, {})
        row = rows.setdefault(
            score.member_id,
            {"evaluator": score.member.evaluator, "own": score.member_id == seat.pk,
             "values": {}},
        )  # fmt: skip
        row["values"][score.criterion] = score.value
    return {
        bid_id: [
            {**row, "values": [row["values"].get(c, "—") for c in TYPED_CRITERIA]}
            for row in rows.values()
        ]
        for bid_id, rows in table.items()
    }


def _typed_value(form, name, saved):
    """A box's value as the page shows it: what was typed if the form came
    back refused and it is a score, else the saved score."""
    if form is not None and form.is_bound:
        raw = form.data.get(name, "")
        try:
            value = int(str(raw).strip())
        except ValueError:
            return None
        return value if 0 <= value <= 100 else None
    return saved


def _matrix_rows(page, forms, own, prices, weights, offers, committee, records):
    """A row per bid of the page: its boxes (the fields of its form in
    ``forms``), its price score, and the weighted total of its scores as they
    stand."""
    rows = []
    for bid in page:
        form = forms.get(bid.pk)
        price_score = prices.get(bid.pk)
        price_points = (
            None
            if price_score is None
            # Rounded as the totals are (and as score_matrix.js reads it).
            else (price_score * weights[PRICE] / 100).quantize(
                pricing.CENT, ROUND_HALF_UP
            )
        )
        cells, comment, values = [], None, {}
        if form is not None and bid.eligible:
            for criterion in TYPED_CRITERIA:
                name = form.cell(bid, criterion)
                cells.append((form[name], weights[criterion]))
                values[criterion] = _typed_value(
                    form, name, own.get((bid.pk, criterion))
                )
            comment = form[form.cell(bid, "comment")]
        elif bid.eligible:
            values = {c: own.get((bid.pk, c)) for c in TYPED_CRITERIA}
        if bid.eligible:
            values[PRICE] = price_score
        rows.append(
            {
                "bid": bid,
                "offer": offers[bid.pk],
                "cells": cells,
                "comment": comment,
                "saved": [own.get((bid.pk, c), "—") for c in TYPED_CRITERIA],
                "price_score": price_score,
                "price_points": price_points,
                "total": pricing.weighted_total(weights, values)
                if bid.eligible
                else None,
                "committee": committee.get(bid.pk, []),
                # Shown once the bids are opened (the policy decides).
                "track_record": records.get(bid.pk),
            }
        )
    return rows


@login_required
def evaluation_detail(request, pk, declaration_form=None, matrix_form=None, page=None):
    seat = _seat_or_404(request, pk)
    user = request.user
    tender = seat.tender
    declare = policy.decide("committee.declare", user, seat)
    score = policy.decide("scoresheet.score", user, seat)
    scoring = score.allowed
    submit = policy.decide("scoresheet.submit", user, seat) if scoring else None
    bids = selectors.bids_to_score(seat)
    # A page of bids at a time: a tender may have hundreds, and each shown bid
    # is unsealed and has its row of boxes. Refused scores are shown on the
    # page they were sent from.
    page = Paginator(bids, BIDS_PER_PAGE).get_page(page or request.GET.get("page"))
    # The scores of the bids shown only: the sheets of a tender with hundreds of
    # bids are thousands of scores.
    scores = selectors.scores_visible_to(user, tender).filter(
        criterion__in=TYPED_CRITERIA
    )
    visible = list(
        scores.filter(bid__in=[bid.pk for bid in page]).select_related(
            "member__evaluator"
        )
    )
    own_scores = [s for s in visible if s.member_id == seat.pk]
    own = {(s.bid_id, s.criterion): s.value for s in own_scores}
    comments = {s.bid_id: s.comment for s in own_scores if s.comment}
    # The others' scores once one's own are submitted (the selector decides;
    # before that it returns one's own only).
    committee = _committee_scores(visible, seat) if seat.scores_submitted_at else {}
    # The boxes of each eligible bid: those sent and refused as they were
    # typed, the others with the saved scores.
    forms = {bid.pk: matrix_form for bid in (matrix_form.bids if matrix_form else [])}
    rest = [bid for bid in page if bid.eligible and bid.pk not in forms]
    if scoring and rest:
        initial = {
            ScoreMatrixForm.cell(bid, c): own[(bid.pk, c)]
            for bid in rest for c in TYPED_CRITERIA if (bid.pk, c) in own
        }  # fmt: skip
        initial |= {
            ScoreMatrixForm.cell(bid, "comment"): comments[bid.pk]
            for bid in rest
            if bid.pk in comments
        }
        fresh = ScoreMatrixForm(bids=rest, saved=own, initial=initial)
        forms |= dict.fromkeys((bid.pk for bid in rest), fresh)
    weights = tender.weights()
    rows = _matrix_rows(
        page,
        forms,
        own,
        pricing.price_scores(tender) if len(page) else {},
        weights,
        {bid.pk: _offer(bid, user) for bid in page},
        committee,
        # The page's bids are those of the seat's tender, shown to a declared
        # evaluator only (``bids_to_score``).
        track_record.beside_bids(user, page, declared_tenders={tender.pk}),
    )
    return render(
        request,
        "procurement/evaluation_detail.html",
        {
            "seat": seat,
            "tender": tender,
            "next_step": _seat_next_step(
                seat,
                {
                    name
                    for name, decision in zip(
                        SEAT_ACTIONS, [declare, submit, score], strict=True
                    )
                    if decision
                },
            ),
            "declare": declare,
            "lots": tender.lots.select_related("capability"),
            "weights": [(CRITERION_LABELS[c], w) for c, w in weights.items()],
            "typed_criteria": [
                (CRITERION_LABELS[c], weights[c]) for c in TYPED_CRITERIA
            ],
            "price_weight": weights[PRICE],
            "price_formula": tender.get_price_formula_display(),
            "bidders": selectors.bidders_to_declare_about(seat)
            if seat.standing == MemberStanding.APPOINTED
            else [],
            # A refused form is shown again, with its error, even if the moment
            # to use it has passed.
            "declaration_form": declaration_form
            or (DeclarationForm() if declare else None),
            # The form whose errors the summary lists; any form of the page's
            # boxes otherwise (``scoring`` says whether there are boxes).
            "matrix": matrix_form or next(iter(forms.values()), None),
            "rows": rows,
            "page": page,
            "scoring": scoring,
            "scored": scores.filter(member=seat).values("bid").distinct().count()
            if scoring and rows
            else 0,
            "to_score": bids.filter(eligible=True).count() if rows else 0,
            "submit": submit,
            "score": score,
        },
    )


BIDS_PER_PAGE = 10


def _page_of_bid(bids, bid_pk) -> int:
    """The page of ``bids`` (ordered by lot, then id) that shows ``bid_pk``."""
    bid = bids.filter(pk=bid_pk).values("lot__number").first()
    if bid is None:
        return 1
    before = bids.filter(
        Q(lot__number__lt=bid["lot__number"])
        | Q(lot__number=bid["lot__number"], pk__lt=bid_pk)
    ).count()
    return before // BIDS_PER_PAGE + 1


def _back_to_seat(seat, anchor="", page=1):
    query = f"?page={page}" if page > 1 else ""
    return redirect(reverse("procurement:evaluation", args=[seat.pk]) + query + anchor)


@login_required
def evaluation_declare(request, pk):
    seat = _seat_or_404(request, pk)
    if request.method != "POST":
        return _back_to_seat(seat)
    form = DeclarationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if call_service(
            form,
            lambda: services.committee_declare(
                member=seat,
                actor=request.user,
                conflict=data["conflict"],
                note=data["note"],
            ),
        ):
            messages.success(
                request,
                _("You declared a conflict of interest and are removed from the "
                  "committee.")
                if data["conflict"]
                else _("You declared no conflict of interest; the bids are shown "
                       "to you now."),
            )  # fmt: skip
            return _back_to_seat(seat)
    return evaluation_detail(request, pk, declaration_form=form)


def _save_matrix(request, seat, bids, *, page, anchor=""):
    """Check every box of ``bids`` in one round, then save them all, or none
    and show the page again with every error and what was typed."""
    own = {
        (bid_pk, criterion): value
        for bid_pk, criterion, value in selectors.scores_visible_to(
            request.user, seat.tender
        )
        .filter(member=seat, bid__in=[bid.pk for bid in bids])
        .values_list("bid_id", "criterion", "value")
    }
    form = ScoreMatrixForm(request.POST, bids=bids, saved=own)
    if form.is_valid() and call_service(
        form,
        lambda: services.scores_record(
            member=seat, actor=request.user, rows=form.scores()
        ),
    ):
        messages.success(request, _("Your scores are saved."))
        return _back_to_seat(seat, anchor, page=page)
    return evaluation_detail(request, seat.pk, matrix_form=form, page=page)


@login_required
def evaluation_scores(request, pk):
    """Save the scores of the page of bids the evaluator's matrix shows."""
    seat = _seat_or_404(request, pk)
    if request.method != "POST":
        return _back_to_seat(seat)
    bids = selectors.bids_to_score(seat)
    page = Paginator(bids, BIDS_PER_PAGE).get_page(request.POST.get("page"))
    eligible = [bid for bid in page if bid.eligible]
    return _save_matrix(
        request, seat, eligible, page=page.number, anchor="#score-matrix"
    )


@login_required
def evaluation_score(request, pk, bid_id):
    """Save the scores of one bid (its row of the matrix)."""
    seat = _seat_or_404(request, pk)
    bid = get_object_or_404(selectors.bids_to_score(seat), public_id=bid_id)
    if request.method != "POST":
        return _back_to_seat(seat)
    page = _page_of_bid(selectors.bids_to_score(seat), bid.pk)
    return _save_matrix(request, seat, [bid], page=page, anchor=f"#bid-{bid.public_id}")


def _missing_scores(seat, user) -> tuple[list[str], int]:
    """The scores the evaluator has yet to give: one line per eligible bid
    not scored on every criterion, naming the criteria, and their number."""
    given = set(
        selectors.scores_visible_to(user, seat.tender)
        .filter(member=seat)
        .values_list("bid_id", "criterion")
    )
    lines, unscored = [], 0
    for bid in selectors.bids_to_score(seat).filter(eligible=True):
        missing = [
            CRITERION_LABELS[c] for c in TYPED_CRITERIA if (bid.pk, c) not in given
        ]
        unscored += len(missing)
        if missing:
            lines.append(
                _("Lot %(n)d: %(name)s (%(criteria)s)")
                % {
                    "n": bid.lot.number,
                    "name": bid.manufacturer.name,
                    "criteria": ", ".join(str(label) for label in missing),
                }
            )
    return lines, unscored


@login_required
def evaluation_submit(request, pk):
    """Submitting the score sheet cannot be undone: a page of its own says
    what is still unscored and asks to confirm."""
    seat = _seat_or_404(request, pk)
    refusal = _action_refusal(request, "scoresheet.submit", seat)
    form = SubmitScoresForm(posted(request)[0])
    shown, notice = _refused_form(request, form, refusal)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form, lambda: services.scoresheet_submit(member=seat, actor=request.user)
        )
    ):
        messages.success(
            request,
            _("Your score sheet is submitted; the committee's scores are shown "
              "to you now."),
        )  # fmt: skip
        return _back_to_seat(seat)
    missing, unscored = _missing_scores(seat, request.user)
    bids = selectors.bids_to_score(seat).filter(eligible=True).count()
    needed = bids * len(TYPED_CRITERIA)
    return _form_page(
        request,
        shown,
        title=_("Submit your score sheet for %(ref)s")
        % {"ref": seat.tender.case.reference},
        tender=seat.tender,
        facts=[
            (_("Eligible bids"), bids),
            (
                _("Scores given"),
                _("%(given)d of %(needed)d")
                % {"given": needed - unscored, "needed": needed},
            ),
            (
                _("Still missing"),
                "\n".join(missing)
                if missing
                else _("Nothing: every eligible bid is scored."),
            ),
        ],
        intro=_(
            "Once submitted, your scores can no longer change, and you see the "
            "other evaluators' scores."
        ),
        notice=notice,
        submit=_("Submit my score sheet"),
        back_url=reverse("procurement:evaluation", args=[seat.pk]),
    )
