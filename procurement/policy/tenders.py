"""Who may act on requirements and tenders (up to the opening of the bids), now.

A procurement officer records Ukraine's requirements and runs the tenders: drafts,
edits the draft, adds lots, publishes, amends, cancels, opens the bids and answers
the bidders' questions. A manufacturer's representative asks questions during
the clarification period. A superuser holds the Administrator role, which runs
tenders (administration) but never asks as a bidder.

The tender's moves come from ``TENDER_TRANSITIONS``; what a draft's lots must
satisfy (the pool's earmark, the requirements they answer) is checked by the
services as the content of the tender, not here."""

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from procurement.models import (
    TENDER_TRANSITIONS,
    Clarification,
    Requirement,
    Tender,
    TenderStatus,
)
from procurement.policy.manufacturers import runs_procurement
from procurement.policy.opening import publication_refusal
from secretariat.kernel.formatting import when_text
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
from secretariat.kernel.roles import Role, has_role

T = TenderStatus


# ---------------------------------------------------------------- requirements


@action(
    "requirement.record",
    label=_l("Record a requirement"),
    model=Requirement,
    perm="procurement.add_requirement",
)
def record_requirement(user, obj=None):
    if runs_procurement(user):
        return allow()
    return refuse(_("Requirements are recorded by a procurement officer."), hidden=True)


# ---------------------------------------------------------------- tenders


@action(
    "tender.manage",
    label=_l("Manage"),
    model=Tender,
    perm="procurement.manage_tender",
)
def manage(user, tender=None):
    """Who runs tenders at all (the tender's state aside): the permission
    ``procurement.manage_tender`` of the later stages' checks and the API."""
    if runs_procurement(user):
        return allow()
    return refuse(_("Tenders are run by a procurement officer."), hidden=True)


@action("tender.create", label=_l("Draft a tender"), model=Tender)
def create(user, obj=None):
    return manage(user)


def _ref(tender) -> str:
    return tender.case.reference


def _not_from_here(tender, label) -> Decision:
    """Refused because the tender's status is not one the action is taken from
    at all (``TENDER_TRANSITIONS``): the service answers 409 with the reason,
    and the tender's page and the API leave the action out rather than show it
    disabled on every tender that has moved past it."""
    reason = _("%(ref)s is %(status)s: “%(action)s” is not possible now.") % {
        "ref": _ref(tender),
        "status": tender.get_status_display().lower(),
        "action": label,
    }
    return Decision(False, reason, STATE, hidden=True)


def _managed(user, tender, *state_checks):
    """The officer's role, then (for a given tender) its state, in order."""
    if tender is None:
        return manage(user)
    return first_refusal(manage(user, tender), *state_checks)


def _edit_state(tender):
    if tender.status == T.DRAFT:
        return allow()
    if tender.status in {T.PUBLISHED, T.TENDERING}:
        return not_now(
            _("%(ref)s is published: only a draft tender is edited. Amend it "
              "instead, with the reason; bidders get time to take the change "
              "into account.")
            % {"ref": _ref(tender)}
        )  # fmt: skip
    reason = _("%(ref)s is %(status)s: only a draft tender is edited.") % {
        "ref": _ref(tender),
        "status": tender.get_status_display().lower(),
    }
    return Decision(False, reason, STATE, hidden=True)


@action("tender.edit", label=_l("Edit"), model=Tender)
def edit(user, tender=None):
    return _managed(user, tender, lambda: _edit_state(tender))


def _draft_for_lots(tender):
    if tender.status == T.DRAFT:
        return allow()
    reason = _("Lots are added while the tender is a draft.")
    return Decision(False, reason, STATE, hidden=True)


@action("tender.add_lot", label=_l("Add a lot"), model=Tender)
def add_lot(user, tender=None):
    return _managed(user, tender, lambda: _draft_for_lots(tender))


def _has_lots(tender) -> bool:
    cached = getattr(tender, "_prefetched_objects_cache", {})
    if "lots" in cached:
        return bool(cached["lots"])
    return tender.lots.exists()


def _publishable(tender):
    label = _("Publish")
    if T.PUBLISHED not in TENDER_TRANSITIONS[tender.status]:
        return _not_from_here(tender, label)
    if not _has_lots(tender):
        return not_now(_("Add at least one lot before publishing."))
    if tender.clarification_deadline <= timezone.now():
        return not_now(
            _("The clarification deadline has passed; edit the draft to set new "
              "deadlines first.")
        )  # fmt: skip
    return publication_refusal(tender)


@action("tender.publish", label=_l("Publish"), model=Tender)
def publish(user, tender=None):
    return _managed(user, tender, lambda: _publishable(tender))


def _amendable(tender):
    if tender.status in {T.PUBLISHED, T.TENDERING}:
        return allow()
    return _not_from_here(tender, _("Amend"))


@action("tender.amend", label=_l("Amend"), model=Tender)
def amend(user, tender=None):
    return _managed(user, tender, lambda: _amendable(tender))


def _cancellable(tender):
    if T.CANCELLED in TENDER_TRANSITIONS[tender.status]:
        return allow()
    return _not_from_here(tender, _("Cancel the tender"))


@action("tender.cancel", label=_l("Cancel the tender"), model=Tender)
def cancel(user, tender=None):
    return _managed(user, tender, lambda: _cancellable(tender))


# The statuses the bids are opened from: a closed tender, or one still
# tendering whose deadline has passed before the periodic task closed it.
OPENED_FROM = frozenset(
    s for s, moves in TENDER_TRANSITIONS.items() if T.OPENED in moves
) | {T.TENDERING}


def _openable(tender):
    if tender.status not in OPENED_FROM:
        return _not_from_here(tender, _("Open the bids"))
    if tender.status == T.TENDERING and timezone.now() < tender.submission_deadline:
        return not_now(
            _("Bids are open for submission until %(deadline)s.")
            % {"deadline": when_text(tender.submission_deadline)}
        )
    return allow()


@action(
    "tender.open",
    label=_l("Open the bids"),
    model=Tender,
    work_label=_l("Open the bids received by the deadline"),
)
def open_bids(user, tender=None):
    return _managed(user, tender, lambda: _openable(tender))


@queue("tender.open")
def open_queue(user, tenders: QuerySet) -> QuerySet:
    """The tenders whose bids this person may open now."""
    if not runs_procurement(user):
        return tenders.none()
    return tenders.filter(
        Q(status=T.CLOSED)
        | Q(status=T.TENDERING, submission_deadline__lte=timezone.now())
    )


# ---------------------------------------------------------------- clarifications


@action("clarification.ask", label=_l("Ask a question"), model=Tender)
def ask(user, tender=None):
    """A bidder asks while the tender is published, until the clarification
    deadline (even if the periodic task has not yet moved the tender on)."""
    if not (has_role(user, Role.MANUFACTURER_REPRESENTATIVE) and user.manufacturer_id):
        return refuse(
            _("Only a manufacturer's representative asks questions."), hidden=True
        )
    if tender is not None and (
        tender.status != T.PUBLISHED or timezone.now() >= tender.clarification_deadline
    ):
        return not_now(_("The clarification period is over."))
    return allow()


@action("clarification.answer", label=_l("Answer"), model=Tender)
def answer(user, tender=None):
    """Any question of the tender, at any time (an answer may be corrected)."""
    if runs_procurement(user):
        return allow()
    return refuse(_("Questions are answered by a procurement officer."), hidden=True)


@action(
    "tender.answer_questions",
    label=_l("Answer the questions"),
    model=Tender,
    work_label=_l("Answer the bidders' questions"),
)
def answer_questions(user, tender):
    """The task: questions of the tender that await their answer (each is
    answered with ``clarification.answer``)."""
    return first_refusal(
        answer(user, tender),
        lambda: (
            allow()
            if tender.clarifications.filter(answer="").exists()
            else not_now(_("No question awaits an answer."), hidden=True)
        ),
    )


@queue("tender.answer_questions")
def tenders_with_questions(user, tenders: QuerySet) -> QuerySet:
    if not runs_procurement(user):
        return tenders.none()
    return tenders.filter(
        pk__in=Clarification.objects.filter(answer="").values("tender")
    )
