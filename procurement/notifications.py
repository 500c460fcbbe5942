"""Who hears of what in procurement. Called by the services inside their
transaction (the outbox); nothing here ever carries a bid's content, and before
opening nothing here depends on the bids at all, so no notification, its count
or its timing can tell how many bids there are."""

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from members.models import MemberStatus
from procurement.models import (
    Award,
    CommitteeMember,
    Complaint,
    Delivery,
    MemberStanding,
    Procedure,
    Tender,
    TenderStatus,
    VettingStatus,
)
from secretariat.accounts.models import User
from secretariat.kernel.formatting import grouped, when_text
from secretariat.kernel.roles import Role
from secretariat.notifications.models import NotificationKind
from secretariat.notifications.services import notify, users_with_role


def tender_url(tender: Tender) -> str:
    return tender.get_absolute_url()


def eligible_representatives(tender: Tender) -> QuerySet[User]:
    """The representatives of the manufacturers who may bid: vetted, from a
    member state, and for a restricted tender invited. Whether they have bid is
    not asked."""
    reps = users_with_role(
        Role.MANUFACTURER_REPRESENTATIVE,
        manufacturer__vetting_status=VettingStatus.VETTED,
        manufacturer__member_state__status=MemberStatus.MEMBER,
    )
    if tender.procedure == Procedure.RESTRICTED:
        reps = reps.filter(manufacturer__in=tender.invited.all())
    return reps


def tell_tender_published(tender: Tender) -> None:
    reps = eligible_representatives(tender).order_by()
    states = reps.values("manufacturer__member_state_id")
    liaisons = users_with_role(Role.MEMBER_LIAISON, member_state_id__in=states)
    notify(
        # One query, read as ids and addresses: thousands may be told. A UNION
        # of the two audiences, in no particular order, is planned and run in
        # about half the time of an OR of two IN subqueries sorted by name.
        recipients=User.objects.filter(
            pk__in=reps.values("pk").union(liaisons.order_by().values("pk"))
        ).order_by(),
        kind=NotificationKind.TENDER_PUBLISHED,
        title=lambda: (
            _("Tender %(ref)s published: %(title)s")
            % {"ref": tender.case.reference, "title": tender.title}
        ),
        body=lambda: (
            _("Questions until %(clar)s; bids until %(deadline)s.")
            % {
                "clar": when_text(tender.clarification_deadline),
                "deadline": when_text(tender.submission_deadline),
            }
        ),
        url=tender_url(tender),
    )


def tell_clarification_answered(tender: Tender) -> None:
    notify(
        recipients=eligible_representatives(tender),
        kind=NotificationKind.CLARIFICATION_ANSWERED,
        title=lambda: (
            _("%(ref)s: a clarification has been answered")
            % {"ref": tender.case.reference}
        ),
        url=tender_url(tender),
    )


def tell_tender_amended(tender: Tender, reason: str) -> None:
    notify(
        recipients=eligible_representatives(tender),
        kind=NotificationKind.TENDER_PUBLISHED,
        title=lambda: (
            _("%(ref)s has changed; bids until %(deadline)s")
            % {
                "ref": tender.case.reference,
                "deadline": when_text(tender.submission_deadline),
            }
        ),
        body=reason,
        url=tender_url(tender),
    )


def tell_bids_opened(tender: Tender) -> None:
    # The seats of this tender only: an evaluator who recused themselves from
    # another tender still declares (and scores) on this one.
    seats = CommitteeMember.objects.filter(tender=tender).exclude(
        standing=MemberStanding.RECUSED
    )
    committee = User.objects.filter(pk__in=seats.values("evaluator_id"), is_active=True)
    notify(
        recipients=[*users_with_role(Role.PROCUREMENT_OFFICER), *committee],
        kind=NotificationKind.BIDS_OPENED,
        title=lambda: (
            _("%(ref)s: the bids have been opened") % {"ref": tender.case.reference}
        ),
        url=tender_url(tender),
    )


def tell_scores_awaited(tender: Tender) -> None:
    members = CommitteeMember.objects.filter(
        tender=tender, scores_submitted_at__isnull=True
    ).exclude(standing=MemberStanding.RECUSED)
    for member in members.select_related("evaluator"):
        notify(
            recipients=[member.evaluator],
            kind=NotificationKind.SCORES_AWAITED,
            title=lambda: (
                _("%(ref)s awaits your evaluation") % {"ref": tender.case.reference}
            ),
            url=reverse("procurement:evaluation", kwargs={"pk": member.pk}),
            key=f"scores-awaited:{member.pk}",
        )


def tell_award_recommended(award: Award) -> None:
    tender = award.lot.tender
    approvers = users_with_role(
        Role.CO_LEAD_APPROVER, member_state__is_co_lead=True
    ).exclude(pk=award.recommended_by_id)
    notify(
        recipients=approvers,
        kind=NotificationKind.AWARD_DECIDED,
        title=lambda: (
            _("%(ref)s lot %(n)d: an award awaits your approval")
            % {"ref": tender.case.reference, "n": award.lot.number}
        ),
        url=tender_url(tender),
        # A task: settled once the award is no longer theirs to approve.
        action="award.approve",
        subject=award,
    )


def tell_award_approved(award: Award) -> None:
    """Every bidder on the lot learns the outcome and the standstill: the
    winner, and the others, who may complain until it ends. After opening."""
    tender = award.lot.tender
    bidders = Q(manufacturer__bids__lot=award.lot)
    reps = users_with_role(Role.MANUFACTURER_REPRESENTATIVE).filter(bidders)
    notify(
        recipients=[*reps, award.recommended_by],
        kind=NotificationKind.AWARD_DECIDED,
        title=lambda: (
            _("%(ref)s lot %(n)d awarded to %(winner)s")
            % {
                "ref": tender.case.reference,
                "n": award.lot.number,
                "winner": award.bid.manufacturer.name,
            }
        ),
        body=lambda: (
            _("Standstill until %(until)s: a losing bidder may complain until then.")
            % {"until": when_text(award.standstill_until)}
        ),
        url=tender_url(tender),
    )


def tell_complaint_filed(complaint: Complaint) -> None:
    tender = complaint.award.lot.tender
    notify(
        recipients=users_with_role(Role.PROCUREMENT_OFFICER),
        kind=NotificationKind.COMPLAINT_FILED,
        title=lambda: (
            _("%(ref)s lot %(n)d: %(who)s complains about the award")
            % {
                "ref": tender.case.reference,
                "n": complaint.award.lot.number,
                "who": complaint.manufacturer.name,
            }
        ),
        body=lambda: _("The contract waits until the complaint is decided."),
        url=tender_url(tender),
    )


def tell_delivery_reported(delivery: Delivery) -> None:
    contract = delivery.contract
    notify(
        recipients=users_with_role(Role.PROCUREMENT_OFFICER),
        kind=NotificationKind.DELIVERY_TO_ACCEPT,
        title=lambda: (
            ngettext(
                "%(contract)s: %(n)s unit delivered, awaiting acceptance",
                "%(contract)s: %(n)s units delivered, awaiting acceptance",
                delivery.quantity,
            )
            % {"contract": contract.reference, "n": grouped(delivery.quantity)}
        ),
        body=contract.manufacturer.name,
        url=reverse("procurement:contract", kwargs={"pk": contract.pk}),
        action="delivery.decide",
        subject=delivery,
    )


def reminder_offset(deadline, now, offsets) -> int | None:
    """The reminder due now: the smallest offset (in days) whose window has
    begun, so that a late run sends one reminder, not every missed one."""
    begun = [d for d in offsets if deadline - timedelta(days=d) <= now < deadline]
    return min(begun) if begun else None


def _deadline_reminder(tender: Tender) -> str:
    return _("%(ref)s: bids are due by %(deadline)s") % {
        "ref": tender.case.reference,
        "deadline": when_text(tender.submission_deadline),
    }


def tender_deadline_reminders(*, now=None) -> int:
    """Remind eligible manufacturers of a submission deadline approaching, at
    each configured offset, once (the notification key)."""
    now = now or timezone.now()
    offsets = settings.NOTIFICATION_REMINDER_DAYS
    horizon = now + timedelta(days=max(offsets, default=0))
    tenders = Tender.objects.select_related("case").filter(
        status__in=[TenderStatus.PUBLISHED, TenderStatus.TENDERING],
        submission_deadline__gt=now,
        submission_deadline__lte=horizon,
    )
    told = 0
    for tender in tenders:
        offset = reminder_offset(tender.submission_deadline, now, offsets)
        if offset is None:
            continue
        with transaction.atomic():
            told += len(
                notify(
                    recipients=eligible_representatives(tender),
                    kind=NotificationKind.DEADLINE_APPROACHING,
                    title=partial(_deadline_reminder, tender),
                    url=tender_url(tender),
                    # The deadline is in the key: an amendment that moves it
                    # calls for the reminders of the new deadline.
                    key=(
                        f"tender-deadline:{tender.pk}:"
                        f"{tender.submission_deadline:%Y%m%d%H%M}:{offset}"
                    ),
                )
            )
    return told


# ---------------------------------------------------------------- requirements

REQUIREMENT_TO_REVIEW = NotificationKind.REQUIREMENT_TO_REVIEW
REQUIREMENT_REVIEWED = NotificationKind.REQUIREMENT_REVIEWED


def tell_requirement_to_review(requirement, *, answered: bool = False) -> None:
    """The procurement officers whom the policy lets review it: a unit has
    submitted it, or answered their question."""
    from secretariat.kernel.policy import who_may

    officers = who_may(
        "requirement.review",
        requirement,
        users_with_role(Role.PROCUREMENT_OFFICER),
    )
    unit = requirement.unit.name if requirement.unit_id else ""
    notify(
        recipients=officers,
        kind=REQUIREMENT_TO_REVIEW,
        title=lambda: (
            (
                _("%(ref)s: %(unit)s answered your question")
                if answered
                else _("%(ref)s submitted by %(unit)s awaits review")
            )
            % {"ref": requirement.reference, "unit": unit}
        ),
        body=requirement.title,
        url=requirement.get_absolute_url(),
        action="requirement.review",
        subject=requirement,
    )


def tell_requirement_reviewed(requirement) -> None:
    """The end users of the unit that submitted it: accepted, a question to
    answer (a task of theirs), or declined with the reason."""
    from procurement.models import RequirementStatus

    if not requirement.unit_id:
        return
    people = users_with_role(Role.END_USER, units=requirement.unit_id)
    status = requirement.status
    ref = requirement.reference
    if status == RequirementStatus.CLARIFY:
        title = lambda: _("%(ref)s: the secretariat asks a question") % {"ref": ref}  # noqa: E731
    elif status == RequirementStatus.OPEN:
        title = lambda: _("%(ref)s accepted: it can now be tendered") % {"ref": ref}  # noqa: E731
    else:
        title = lambda: _("%(ref)s declined") % {"ref": ref}  # noqa: E731
    task = status == RequirementStatus.CLARIFY
    notify(
        recipients=people,
        kind=REQUIREMENT_REVIEWED,
        title=title,
        body=requirement.review_note,
        url=requirement.get_absolute_url(),
        action="requirement.answer" if task else "",
        subject=requirement if task else None,
    )


# ---------------------------------------------------------------- receipts

DISCREPANCY_OPENED = NotificationKind.DISCREPANCY_OPENED
DISCREPANCY_RESOLVED = NotificationKind.DISCREPANCY_RESOLVED


def tell_discrepancy_opened(discrepancy) -> None:
    """Every procurement officer whom the policy lets resolve it: a task."""
    from secretariat.kernel.policy import who_may

    officers = who_may(
        "discrepancy.resolve",
        discrepancy,
        users_with_role(Role.PROCUREMENT_OFFICER),
    )
    case = discrepancy.case
    notify(
        recipients=officers,
        kind=DISCREPANCY_OPENED,
        title=lambda: (
            _("%(ref)s: a receipt does not match its delivery")
            % {"ref": case.reference}
        ),
        body=case.title,
        url=discrepancy.get_absolute_url(),
        action="discrepancy.resolve",
        subject=discrepancy,
    )


def tell_discrepancy_resolved(discrepancy) -> None:
    """The end users of the unit that received the batch, and the finance
    officers, whose payment may go on."""
    unit_people = users_with_role(Role.END_USER, units=discrepancy.receipt.unit_id)
    finance = users_with_role(Role.FINANCE_OFFICER)
    case = discrepancy.case
    notify(
        recipients=User.objects.filter(
            Q(pk__in=unit_people.values("pk")) | Q(pk__in=finance.values("pk"))
        ),
        kind=DISCREPANCY_RESOLVED,
        title=lambda: (
            _("%(ref)s resolved: the payment it held may go on")
            % {"ref": case.reference}
        ),
        body=discrepancy.resolution,
        url=discrepancy.get_absolute_url(),
    )


# ---------------------------------------------------------------- opening committee


def tell_openers_named(openers) -> None:
    """Each person named to an opening committee (or as a replacement): their
    appointment awaits their acceptance with a passphrase of their own."""
    for opener in openers:
        tender = opener.committee.tender
        notify(
            recipients=[opener.person],
            kind=NotificationKind.OPENER_NAMED,
            title=lambda tender=tender: (
                _("Accept your appointment to the opening committee of %(ref)s")
                % {"ref": tender.case.reference}
            ),
            body=tender.title,
            url=opener.get_absolute_url(),
            action="opener.accept",
            subject=opener,
        )
