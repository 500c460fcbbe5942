"""Policies of procurement: the opening committee.

A procurement officer names a draft tender's opening committee: at least three
people who may open bids (active procurement officers, secretariat officers or
evaluators, none of them bound to a manufacturer) and a threshold of at least
two. Each named person accepts the appointment with a passphrase only they
know, before the tender is published. After publication, until the bids are
opened, a procurement officer may name a replacement for a member who lost
their passphrase; once the replacement has accepted, ``threshold`` members
re-issue a share to them with their passphrases.

Whether publication needs a committee (the setting ``OPENING_COMMITTEE``) is
one of the reasons of ``tender.publish`` (``policy.tenders``); the opening of a
committee's tender is ``tender.open`` as for any tender, and its service asks
the members' passphrases."""

import rules
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procurement.models import Opener, OpeningCommittee, Tender, TenderStatus
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
from secretariat.kernel.roles import Role, has_role

T = TenderStatus

# Who may sit on an opening committee: people of the secretariat who run or
# judge tenders, never a manufacturer's account.
OPENER_ROLES = (Role.PROCUREMENT_OFFICER, Role.SECRETARIAT_OFFICER, Role.EVALUATOR)
MIN_OPENERS = 3
MIN_THRESHOLD = 2
# Published, bidding or closed: the committee's key exists and the bids are
# still sealed to it.
BEFORE_OPENING = frozenset({T.PUBLISHED, T.TENDERING, T.CLOSED})


def may_open_bids(user) -> bool:
    """Whether ``user`` may be named to an opening committee."""
    return (
        bool(getattr(user, "is_active", False))
        and user.manufacturer_id is None
        and has_role(user, *OPENER_ROLES)
    )


# Who lists their own appointments (the API's door; each is scoped to its
# person).
rules.add_perm("procurement.view_opener", rules.predicate(may_open_bids))


def eligible_openers() -> QuerySet:
    """The people who may be named to an opening committee (``may_open_bids``
    as a queryset)."""
    from secretariat.accounts.models import User

    return (
        User.objects.filter(
            is_active=True,
            manufacturer__isnull=True,
            groups__name__in=OPENER_ROLES,
        )
        .distinct()
        .order_by("first_name", "last_name", "pk")
    )


def committee_of(tender: Tender) -> OpeningCommittee | None:
    try:
        return tender.opening_committee
    except OpeningCommittee.DoesNotExist:
        return None


def _hidden(reason) -> Decision:
    return Decision(False, reason, STATE, hidden=True)


def _officer(user, reason) -> Decision:
    if runs_procurement(user):
        return allow()
    return refuse(reason, hidden=True)


def publication_refusal(tender: Tender) -> Decision:
    """What the opening committee holds up at publication: a committee is
    required (``OPENING_COMMITTEE``) and none is named, or a named member has
    not accepted yet."""
    committee = committee_of(tender)
    if committee is None:
        if settings.OPENING_COMMITTEE:
            return not_now(
                _("Name the opening committee first: its members, any %(k)d of "
                  "whom together open the bids.") % {"k": MIN_THRESHOLD}
            )  # fmt: skip
        return allow()
    waiting = [
        str(opener.person)
        for opener in committee.openers.select_related("person")
        if opener.accepted_at is None and opener.replaced_at is None
    ]
    if waiting:
        return not_now(
            _("Every member of the opening committee must accept the appointment "
              "first; still waiting for: %(names)s.") % {"names": ", ".join(waiting)}
        )  # fmt: skip
    return allow()


# ---------------------------------------------------------------- the officer


@action(
    "tender.name_opening_committee",
    label=gettext_lazy("Name the opening committee"),
    model=Tender,
)
def name_committee(user, tender) -> Decision:
    def draft() -> Decision:
        if tender.status == T.DRAFT:
            return allow()
        return _hidden(
            _("The opening committee is named while %(ref)s is a draft.")
            % {"ref": tender.case.reference}
        )

    return first_refusal(
        _officer(user, _("Only a procurement officer names the opening committee.")),
        draft,
    )


def _committee_before_opening(tender) -> Decision:
    committee = committee_of(tender)
    if committee is None or not committee.has_keys:
        return _hidden(_("The bids of %(ref)s are not sealed to an opening committee.")
                       % {"ref": tender.case.reference})  # fmt: skip
    if tender.status not in BEFORE_OPENING or tender.opened_at is not None:
        return _hidden(
            _("%(ref)s is %(status)s: its opening committee no longer changes.")
            % {"ref": tender.case.reference,
               "status": tender.get_status_display().lower()}
        )  # fmt: skip
    return allow()


@action(
    "tender.replace_opener",
    label=gettext_lazy("Name a replacement opener"),
    model=Tender,
)
def replace_opener(user, tender) -> Decision:
    return first_refusal(
        _officer(user, _("Only a procurement officer names a replacement opener.")),
        lambda: _committee_before_opening(tender),
    )


def _replacements(tender) -> QuerySet:
    return Opener.objects.filter(
        committee__tender=tender,
        replaces__isnull=False,
        replaced_at__isnull=True,
        sealed_share__isnull=True,
    )


@action(
    "tender.reissue_share",
    label=gettext_lazy("Re-issue a share to a replacement"),
    model=Tender,
)
def reissue_share(user, tender) -> Decision:
    def replacement_ready() -> Decision:
        waiting = list(_replacements(tender).values_list("accepted_at", flat=True))
        if not waiting:
            return _hidden(_("No replacement opener awaits a share."))
        if not any(waiting):
            return not_now(
                _("The replacement opener has not accepted the appointment yet.")
            )
        return allow()

    return first_refusal(
        _officer(user, _("Only a procurement officer runs the re-issue of a share.")),
        lambda: _committee_before_opening(tender),
        replacement_ready,
    )


# ---------------------------------------------------------------- the member


def _accepting_now(opener: Opener) -> Decision:
    tender = opener.committee.tender
    if opener.replaced_at is not None:
        return _hidden(_("You were replaced on this opening committee."))
    if opener.accepted_at is not None:
        return _hidden(_("You have already accepted this appointment."))
    if tender.status == T.DRAFT:
        return allow()
    if (
        opener.replaces_id is not None
        and tender.status in BEFORE_OPENING
        and tender.opened_at is None
    ):
        return allow()
    return _hidden(
        _("%(ref)s is %(status)s: the appointment can no longer be accepted.")
        % {"ref": tender.case.reference,
           "status": tender.get_status_display().lower()}
    )  # fmt: skip


@action(
    "opener.accept",
    label=gettext_lazy("Accept the appointment"),
    model=Opener,
    work_label=lambda opener: (
        _("Accept your appointment to the opening committee of %(ref)s")
        % {"ref": opener.committee.tender.case.reference}
    ),
)
def accept(user, opener) -> Decision:
    def own() -> Decision:
        if opener.person_id == user.pk:
            return allow()
        return refuse(_("Only the person named accepts this appointment."), hidden=True)

    def eligible() -> Decision:
        if may_open_bids(user):
            return allow()
        return refuse(
            _("You no longer hold a role that may open bids; ask a procurement "
              "officer to name someone else."),
        )  # fmt: skip

    return first_refusal(own, lambda: _accepting_now(opener), eligible)


@queue("opener.accept")
def appointments_to_accept(user, openers: QuerySet) -> QuerySet:
    if not may_open_bids(user):
        return openers.none()
    return openers.filter(
        Q(committee__tender__status=T.DRAFT)
        | Q(
            replaces__isnull=False,
            committee__tender__status__in=BEFORE_OPENING,
            committee__tender__opened_at__isnull=True,
        ),
        person=user,
        accepted_at__isnull=True,
        replaced_at__isnull=True,
    )
