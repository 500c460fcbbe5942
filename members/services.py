"""Every write to member states, onboarding cases, liaisons, pledges and
contributions. Web forms, the API, the admin and the demo seed all call these."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from members.models import (
    ONBOARDING_CHECKLIST,
    Contribution,
    Earmark,
    MemberState,
    MemberStatus,
    OnboardingCase,
    OnboardingStep,
    ParticipationScope,
    Pledge,
    PledgeStatus,
    StepKind,
)
from members.policy import MOVE_ACTIONS, move_decision
from secretariat.accounts.invitations import account_invite, invitation_resend
from secretariat.accounts.models import User
from secretariat.kernel import policy
from secretariat.kernel.edits import changes, changes_text
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.formatting import day_text, money
from secretariat.kernel.models import CapabilityCategory, CaseKind
from secretariat.kernel.money import to_eur, validate_money
from secretariat.kernel.roles import Role
from secretariat.kernel.services import (
    attachment_store,
    case_open,
    require_reason,
    timeline_record,
    transition,
)
from secretariat.notifications.models import NotificationKind
from secretariat.notifications.services import notify, users_with_role

ONBOARDING_DUE_DAYS = 90
# A contribution was recorded: ``contribution``, ``actor``.
contribution_recorded = Signal()


def _open_onboarding(member_state: MemberState, *, lock=False) -> OnboardingCase | None:
    queryset = OnboardingCase.objects.select_related("case").filter(
        member_state=member_state, is_open=True
    )
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return queryset.first()


# ---------------------------------------------------------------- membership


def member_state_register(
    *, country: str, name: str, actor: User, is_co_lead: bool = False
) -> MemberState:
    """Add a state to the register as prospective, e.g. before inviting it."""
    policy.require("memberstate.register", actor)
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Enter the state's name."), field="name")
    with transaction.atomic():
        if MemberState.objects.filter(country=country).exists():
            raise ApplicationError(
                _("%(country)s is already registered.") % {"country": country},
                field="country",
            )
        member_state = MemberState.objects.create(
            country=country, name=name, is_co_lead=is_co_lead
        )
        timeline_record(
            subject=member_state,
            actor=actor,
            action="registered",
            description=_("%(state)s registered as prospective") % {"state": name},
            to_status=MemberStatus.PROSPECTIVE,
        )
    return member_state


def member_transition(
    *,
    member_state: MemberState,
    to_status: str,
    actor: User,
    reason: str,
    evidence_file=None,
    owner: User | None = None,
    due_date: date | None = None,
    occurred_at: datetime | None = None,
) -> MemberState:
    """Move a state along its membership lifecycle.

    Inviting opens an onboarding case with its checklist; admitting a member
    needs every required step of that checklist done; the case closes when the
    state becomes a member or declines.
    """
    if to_status not in MemberStatus.values:
        raise ApplicationError(
            _("“%(target)s” is not a status of %(what)s.")
            % {"target": to_status, "what": member_state.name},
            field="to_status",
        )
    reason = require_reason(reason)
    with transaction.atomic():
        member_state = MemberState.objects.select_for_update().get(pk=member_state.pk)
        onboarding = _open_onboarding(member_state, lock=True)
        if to_status in MOVE_ACTIONS:
            policy.require(MOVE_ACTIONS[to_status], actor, member_state)
        else:  # no move leads there: the table's refusal
            move_decision(actor, member_state, to_status).raise_if_refused()

        if to_status == MemberStatus.INVITED:
            onboarding = _onboarding_open(
                member_state=member_state,
                actor=actor,
                owner=owner,
                due_date=due_date,
                opened_at=occurred_at,
            )
        case = onboarding.case if onboarding else None
        evidence = None
        if evidence_file is not None:
            evidence = attachment_store(
                subject=member_state,
                case=case,
                uploaded_file=evidence_file,
                actor=actor,
                description=_("Evidence: %(status)s")
                % {"status": MemberStatus(to_status).label},
            )

        if to_status == MemberStatus.MEMBER and member_state.joined_on is None:
            member_state.joined_on = timezone.localdate(occurred_at or timezone.now())
        transition(
            member_state,
            to=to_status,
            actor=actor,
            reason=reason,
            case=case,
            evidence=evidence,
            occurred_at=occurred_at,
            also=("joined_on",),
            field="to_status",
        )
        if onboarding is not None:
            closes = to_status in MemberState.workflow.closes
            if closes:
                onboarding.is_open = False
                onboarding.save(update_fields=["is_open"])
            if (
                to_status == MemberStatus.INVITED
                and evidence is not None
                and not onboarding.steps.filter(
                    kind=StepKind.INVITATION_SENT, completed_at__isnull=False
                ).exists()
            ):
                step = onboarding.steps.get(kind=StepKind.INVITATION_SENT)
                _step_mark_done(
                    step=step,
                    actor=actor,
                    note=reason,
                    document=evidence,
                    occurred_at=occurred_at,
                )
    return member_state


def _onboarding_open(
    *, member_state, actor, owner=None, due_date=None, opened_at=None
) -> OnboardingCase:
    opened_at = opened_at or timezone.now()
    due_date = due_date or (
        timezone.localdate(opened_at) + timedelta(days=ONBOARDING_DUE_DAYS)
    )
    case = case_open(
        kind=CaseKind.ONBOARDING,
        title=_("Onboarding of %(state)s") % {"state": member_state.name},
        status=MemberStatus.INVITED,
        actor=actor,
        owner=owner,
        due_date=due_date,
        opened_at=opened_at,
    )
    try:
        with transaction.atomic():
            onboarding = OnboardingCase.objects.create(
                case=case, member_state=member_state
            )
    except IntegrityError as exc:
        raise ConflictError(
            _("%(state)s already has an open onboarding case.")
            % {"state": member_state.name}
        ) from exc
    OnboardingStep.objects.bulk_create(
        OnboardingStep(
            onboarding=onboarding,
            kind=kind,
            position=position,
            needs_document=needs_document,
            owner=case.owner,
            due_date=due_date,
        )
        for position, (kind, needs_document) in enumerate(ONBOARDING_CHECKLIST, 1)
    )
    timeline_record(
        subject=onboarding,
        case=case,
        actor=actor,
        action="case_opened",
        description=_("Onboarding case %(ref)s opened, owner %(owner)s, due %(due)s")
        % {"ref": case.reference, "owner": case.owner, "due": day_text(due_date)},
        occurred_at=opened_at,
    )
    return onboarding


def member_set_constraints(
    *,
    member_state: MemberState,
    actor: User,
    scope: str,
    categories: Iterable[CapabilityCategory] = (),
    notes: str = "",
    reason: str,
) -> MemberState:
    """Record what a state's money may pay for (Japan: non-lethal only)."""
    reason = require_reason(reason)
    categories = list(categories)
    if scope not in ParticipationScope.values:
        raise ApplicationError(_("Choose what the state may fund."), field="scope")
    if scope == ParticipationScope.CATEGORIES and not categories:
        raise ApplicationError(
            _("List the capability categories the state may fund."),
            field="categories",
        )
    if scope == ParticipationScope.NON_LETHAL and any(c.is_lethal for c in categories):
        raise ApplicationError(
            _("A state limited to non-lethal support cannot list lethal categories."),
            field="categories",
        )
    with transaction.atomic():
        member_state = MemberState.objects.select_for_update().get(pk=member_state.pk)
        policy.require("memberstate.set_constraints", actor, member_state)
        before = _scope_text(member_state)
        member_state.participation_scope = scope
        member_state.constraint_notes = notes
        member_state.save(update_fields=["participation_scope", "constraint_notes"])
        member_state.allowed_categories.set(
            categories if scope == ParticipationScope.CATEGORIES else []
        )
        onboarding = _open_onboarding(member_state)
        timeline_record(
            subject=member_state,
            case=onboarding.case if onboarding else None,
            actor=actor,
            action="constraints_changed",
            description=_("Participation constraint: %(before)s → %(after)s")
            % {
                "before": before,
                "after": _scope_text(member_state),
            },
            reason=reason,
        )
    return member_state


def _scope_text(member_state) -> str:
    text = str(member_state.get_participation_scope_display())
    if member_state.participation_scope == ParticipationScope.CATEGORIES:
        names = member_state.allowed_categories.values_list("name", flat=True)
        text += " (" + ", ".join(names) + ")"
    return text


# ---------------------------------------------------------------- onboarding


def onboarding_step_assign(
    *, step: OnboardingStep, actor: User, owner: User | None, due_date: date | None
) -> OnboardingStep:
    with transaction.atomic():
        step = _lock_step(step)
        policy.require("onboardingstep.assign", actor, step)
        before = {"owner": step.owner, "due_date": step.due_date}
        step.owner, step.due_date = owner, due_date
        step.save(update_fields=["owner", "due_date"])
        timeline_record(
            subject=step.onboarding,
            case=step.onboarding.case,
            actor=actor,
            action="step_assigned",
            description=_("Step “%(step)s” assigned to %(owner)s, due %(due)s")
            % {
                "step": step.get_kind_display(),
                "owner": owner or "—",
                "due": day_text(due_date) or "—",
            },
            # A reassignment says what it changed, old → new.
            reason=changes_text(
                changes(
                    before,
                    {"owner": owner, "due_date": due_date},
                    {"owner": _("owner"), "due_date": _("due")},
                )
            ),
        )
        if owner is not None and owner != actor:
            onboarding = step.onboarding
            notify(
                recipients=[owner],
                kind=NotificationKind.STEP_ASSIGNED,
                title=lambda: (
                    _("%(ref)s: “%(step)s” is yours")
                    % {
                        "ref": onboarding.case.reference,
                        "step": step.get_kind_display(),
                    }
                ),
                body=lambda: (
                    _("%(state)s, due %(due)s")
                    % {
                        "state": onboarding.member_state.name,
                        "due": day_text(due_date) or "—",
                    }
                ),
                url=onboarding.get_absolute_url(),
            )
    return step


def onboarding_step_complete(
    *,
    step: OnboardingStep,
    actor: User,
    note: str = "",
    evidence_file=None,
    occurred_at: datetime | None = None,
) -> OnboardingStep:
    """Complete a checklist step. Steps that need a document are completed with
    the one uploaded for them, or with one attached now."""
    with transaction.atomic():
        step = _lock_step(step)
        policy.require("onboardingstep.complete", actor, step)
        if step.needs_document and evidence_file is None and step.document is None:
            raise ApplicationError(
                _("“%(step)s” needs a document as evidence: attach one.")
                % {"step": step.get_kind_display()},
                field="evidence",
            )
        if not step.needs_document and evidence_file is None and not note.strip():
            raise ApplicationError(
                _("Say how “%(step)s” was done, or attach a document.")
                % {"step": step.get_kind_display()},
                field="note",
            )
        document = step.document
        if evidence_file is not None:
            document = attachment_store(
                subject=step.onboarding,
                case=step.onboarding.case,
                uploaded_file=evidence_file,
                actor=actor,
                description=step.get_kind_display(),
            )
        _step_mark_done(
            step=step,
            actor=actor,
            note=note.strip(),
            document=document,
            occurred_at=occurred_at,
        )
    return step


def _lock_step(step: OnboardingStep) -> OnboardingStep:
    return (
        OnboardingStep.objects.select_for_update(of=("self",))
        .select_related("onboarding__case", "onboarding__member_state", "document")
        .get(pk=step.pk)
    )


def _step_mark_done(*, step, actor, note, document, occurred_at=None) -> None:
    step.completed_at = occurred_at or timezone.now()
    step.completed_by = actor
    step.completion_note = note
    step.document = document
    step.save(
        update_fields=["completed_at", "completed_by", "completion_note", "document"]
    )
    timeline_record(
        subject=step.onboarding,
        case=step.onboarding.case,
        actor=actor,
        action="step_completed",
        description=_("Step completed: %(step)s") % {"step": step.get_kind_display()},
        reason=note,
        evidence=document,
        occurred_at=occurred_at,
    )


def _complete_step_if_open(onboarding, kind, *, actor, note) -> None:
    step = (
        onboarding.steps.select_for_update(of=("self",))
        .filter(kind=kind, completed_at__isnull=True)
        .order_by("position")
        .first()
    )
    if step is not None:
        step.onboarding = onboarding
        _step_mark_done(step=step, actor=actor, note=note, document=None)


def onboarding_document_upload(
    *,
    onboarding: OnboardingCase,
    actor: User,
    uploaded_file,
    description: str = "",
    step: OnboardingStep | None = None,
) -> "OnboardingStep | None":
    """A liaison or officer adds a document to the case, optionally for a step;
    the step stays open until an officer completes it."""
    with transaction.atomic():
        onboarding = (
            OnboardingCase.objects.select_for_update(of=("self",))
            .select_related("case", "member_state")
            .get(pk=onboarding.pk)
        )
        policy.require("onboardingcase.upload_document", actor, onboarding)
        if step is not None:
            if step.onboarding_id != onboarding.pk:
                raise ApplicationError(
                    _("That step belongs to another case."), field="step"
                )
            step = OnboardingStep.objects.select_for_update().get(pk=step.pk)
            if step.is_done:
                raise ConflictError(
                    _("“%(step)s” is already completed.")
                    % {"step": step.get_kind_display()},
                    field="step",
                )
        attachment = attachment_store(
            subject=onboarding,
            case=onboarding.case,
            uploaded_file=uploaded_file,
            actor=actor,
            description=description
            or (step.get_kind_display() if step is not None else ""),
        )
        if step is not None:
            step.document = attachment
            step.save(update_fields=["document"])
        timeline_record(
            subject=onboarding,
            case=onboarding.case,
            actor=actor,
            action="document_uploaded",
            description=(
                _("Document “%(name)s” uploaded for “%(step)s”")
                % {"name": attachment.original_name, "step": step.get_kind_display()}
                if step is not None
                else _("Document “%(name)s” uploaded")
                % {"name": attachment.original_name}
            ),
            evidence=attachment,
        )
        # Those who complete the steps hear of a document someone else (a
        # liaison) brought.
        if not policy.may("onboardingstep.complete", actor):
            _tell_secretariat_of_upload(onboarding, attachment, actor)
    return attachment


def _tell_secretariat_of_upload(onboarding, attachment, actor) -> None:
    """The case owner hears of a liaison's document; with no owner yet, every
    secretariat officer does."""
    owner = onboarding.case.owner
    notify(
        recipients=[owner] if owner else users_with_role(Role.SECRETARIAT_OFFICER),
        kind=NotificationKind.DOCUMENT_UPLOADED,
        title=lambda: (
            _("%(ref)s: %(who)s uploaded “%(name)s”")
            % {
                "ref": onboarding.case.reference,
                "who": actor.get_full_name() or actor.username,
                "name": attachment.original_name,
            }
        ),
        body=onboarding.member_state.name,
        url=onboarding.get_absolute_url(),
    )


# ---------------------------------------------------------------- liaisons


def liaison_invite(
    *,
    member_state: MemberState,
    actor: User,
    email: str,
    first_name: str,
    last_name: str,
) -> User:
    """Create a liaison's account and send them a one-time link to set a
    password."""
    email = (email or "").strip().lower()
    if not email:
        raise ApplicationError(_("Enter the liaison's email address."), field="email")
    with transaction.atomic():
        member_state = MemberState.objects.select_for_update().get(pk=member_state.pk)
        policy.require("memberstate.invite_liaison", actor, member_state)
        user = account_invite(
            email=email,
            first_name=first_name,
            last_name=last_name,
            role=Role.MEMBER_LIAISON,
            member_state=member_state,
        )
        onboarding = _open_onboarding(member_state, lock=True)
        timeline_record(
            subject=member_state,
            case=onboarding.case if onboarding else None,
            actor=actor,
            action="liaison_invited",
            description=_("Liaison %(name)s <%(email)s> invited")
            % {"name": user.get_full_name() or email, "email": email},
        )
        if onboarding is not None:
            _complete_step_if_open(
                onboarding,
                StepKind.LIAISONS_APPOINTED,
                actor=actor,
                note=_("Liaison appointed: %(name)s") % {"name": user},
            )
    return user


def liaison_invitation_resend(*, user: User, actor: User) -> User:
    """Send a new one-time link to a liaison who has not yet set a password."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        policy.require("memberstate.resend_liaison_invitation", actor, user)
        invitation_resend(user=user)
        timeline_record(
            subject=user.member_state,
            actor=actor,
            action="liaison_invitation_resent",
            description=_("Invitation sent again to %(email)s") % {"email": user.email},
        )
    return user


# ---------------------------------------------------------------- pledges


def earmark_allowed(member_state, earmark, categories=()) -> bool:
    """Whether ``pledge_record`` lets the state pledge with this earmark and
    these categories: its own rule, asked by the pledge form to offer only
    what the state's participation constraint allows."""
    try:
        _check_earmark(member_state, earmark, list(categories))
    except ApplicationError:
        return False
    return True


def _check_earmark(member_state, earmark, categories) -> None:
    if earmark not in Earmark.values:
        raise ApplicationError(_("Choose an earmark."), field="earmark")
    if earmark == Earmark.CATEGORIES and not categories:
        raise ApplicationError(
            _("List the capability categories the pledge is earmarked for."),
            field="earmark_categories",
        )
    if earmark != Earmark.CATEGORIES and categories:
        raise ApplicationError(
            _("Categories can only be listed with the earmark “%(label)s”.")
            % {"label": Earmark.CATEGORIES.label},
            field="earmark_categories",
        )
    if earmark == Earmark.NON_LETHAL or earmark == Earmark.UNRESTRICTED:
        funded_lethal = earmark == Earmark.UNRESTRICTED
    else:
        funded_lethal = any(c.is_lethal for c in categories)

    scope = member_state.participation_scope
    if scope == ParticipationScope.NON_LETHAL and funded_lethal:
        raise ApplicationError(
            _(
                "%(state)s may fund non-lethal capabilities only: earmark the pledge "
                "“non-lethal only” or list non-lethal categories."
            )
            % {"state": member_state.name},
            field="earmark",
        )
    if scope == ParticipationScope.CATEGORIES:
        allowed = set(member_state.allowed_categories.values_list("pk", flat=True))
        outside = [c.name for c in categories if c.pk not in allowed]
        if earmark != Earmark.CATEGORIES or outside:
            raise ApplicationError(
                _("%(state)s may fund only its listed categories%(outside)s.")
                % {
                    "state": member_state.name,
                    "outside": (": not " + ", ".join(outside)) if outside else "",
                },
                field="earmark_categories",
            )


def pledge_record(
    *,
    member_state: MemberState,
    actor: User,
    year: int,
    amount: Decimal,
    currency: str,
    earmark: str = Earmark.UNRESTRICTED,
    earmark_categories: Iterable[CapabilityCategory] = (),
    fx_rate: Decimal | None = None,
    note: str = "",
    illustrative: bool = False,
) -> Pledge:
    amount = validate_money(amount, currency)
    categories = list(earmark_categories)
    this_year = timezone.localdate().year
    if not 2024 <= int(year) <= this_year + 5:
        raise ApplicationError(
            _("The year must be between 2024 and %(last)d.") % {"last": this_year + 5},
            field="year",
        )
    with transaction.atomic():
        member_state = MemberState.objects.select_for_update().get(pk=member_state.pk)
        policy.require("pledge.record", actor, member_state)
        if fx_rate is not None:
            rate = policy.decide("pledge.enter_rate", actor, member_state)
            if not rate:
                raise ApplicationError(rate.reason, field="fx_rate")
        _check_earmark(member_state, earmark, categories)
        conversion = to_eur(amount, currency, rate=fx_rate)
        pledge = Pledge.objects.create(
            member_state=member_state,
            year=year,
            amount=Money(amount, currency),
            eur_amount=conversion.eur_amount,
            fx_rate=conversion.rate,
            fx_date=conversion.rate_date,
            earmark=earmark,
            note=note,
            illustrative=illustrative,
            created_by=actor,
        )
        pledge.earmark_categories.set(categories)
        onboarding = _open_onboarding(member_state, lock=True)
        timeline_record(
            subject=member_state,
            case=onboarding.case if onboarding else None,
            actor=actor,
            action="pledge_recorded",
            description=_("Pledge for %(year)s recorded: %(amount)s")
            % {"year": year, "amount": money(amount, currency)},
        )
        if onboarding is not None:
            _complete_step_if_open(
                onboarding,
                StepKind.FIRST_PLEDGE,
                actor=actor,
                note=_("Pledge for %(year)s: %(amount)s")
                % {"year": year, "amount": money(amount, currency)},
            )
    return pledge


def pledge_cancel(*, pledge: Pledge, actor: User, reason: str) -> Pledge:
    reason = require_reason(reason)
    with transaction.atomic():
        pledge = (
            Pledge.objects.select_for_update(of=("self",))
            .select_related("member_state")
            .get(pk=pledge.pk)
        )
        policy.require("pledge.cancel", actor, pledge)
        pledge.cancel_reason = reason
        transition(
            pledge,
            to=PledgeStatus.CANCELLED,
            actor=actor,
            reason=reason,
            case=_pledge_case(pledge),
            also=("cancel_reason",),
        )
    return pledge


def _pledge_case(pledge: Pledge):
    """The case whose timeline also records what happens to ``pledge``: its
    state's onboarding case while one is open."""
    onboarding = _open_onboarding(pledge.member_state)
    return onboarding.case if onboarding else None


def _pledge_follow_money(pledge: Pledge, *, actor: User, reason: str, case) -> None:
    """Save what has been received on ``pledge`` (locked by the caller) and
    move its status to where that money puts it, up or down, if it changes."""
    status = pledge_status_for(pledge.amount.amount, pledge.received_amount)
    money_fields = ("received_amount", "received_eur")
    if status == pledge.status:
        pledge.save(update_fields=list(money_fields))
        return
    transition(
        pledge, to=status, actor=actor, reason=reason, case=case, also=money_fields
    )


def contribution_reversed(*, contribution: Contribution, actor: User) -> None:
    """Undo a contribution's effect on its pledge once the fund has reversed it.
    Called inside the transaction that approves the reversal."""
    pledge = (
        Pledge.objects.select_for_update(of=("self",))
        .select_related("member_state")
        .get(pk=contribution.pledge_id)
    )
    contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
    if contribution.reversed_at is not None:
        raise ConflictError(_("The contribution has already been reversed."))
    contribution.reversed_at = timezone.now()
    contribution.save(update_fields=["reversed_at"])
    pledge.received_amount -= contribution.amount.amount
    pledge.received_eur -= contribution.eur_amount
    reversed_text = _("Contribution of %(amount)s received on %(date)s reversed") % {
        "amount": money(contribution.amount.amount, contribution.amount.currency),
        "date": day_text(contribution.received_on),
    }
    case = _pledge_case(pledge)
    # The money's own event; the pledge's status, if it changes, is the move's.
    timeline_record(
        subject=pledge.member_state,
        case=case,
        actor=actor,
        action="contribution_reversed",
        description=reversed_text,
    )
    _pledge_follow_money(pledge, actor=actor, reason=reversed_text, case=case)


def pledge_status_for(amount: Decimal, received: Decimal) -> str:
    if received <= 0:
        return PledgeStatus.PLEDGED
    if received < amount:
        return PledgeStatus.PARTLY_RECEIVED
    return PledgeStatus.RECEIVED


def _refuse_a_transfer_twice(
    *, bank_reference: str, amount: Money, received_on: date
) -> None:
    """One bank transfer (reference, amount, currency and date) is recorded once;
    a second entry names the first. Reversed contributions no longer count."""
    if not bank_reference:
        return
    earlier = (
        Contribution.objects.filter(
            bank_reference__iexact=bank_reference,
            amount=amount,
            received_on=received_on,
            reversed_at__isnull=True,
        )
        .select_related("pledge__member_state", "recorded_by")
        .first()
    )
    if earlier is None:
        return
    raise ConflictError(
        _(
            "This bank transfer is already recorded: contribution %(id)s of "
            "%(state)s (bank reference %(ref)s, %(amount)s received on %(date)s), "
            "recorded on %(recorded)s by %(who)s."
        )
        % {
            "id": earlier.pk,
            "state": earlier.pledge.member_state.name,
            "ref": earlier.bank_reference,
            "amount": money(earlier.amount.amount, earlier.amount.currency),
            "date": day_text(earlier.received_on),
            "recorded": day_text(earlier.recorded_at),
            "who": earlier.recorded_by,
        },
        field="bank_reference",
        code="duplicate_bank_transfer",
    )


def contribution_record(
    *,
    pledge: Pledge,
    actor: User,
    amount: Decimal,
    currency: str,
    received_on: date,
    fx_rate: Decimal | None = None,
    bank_reference: str = "",
    note: str = "",
    illustrative: bool = False,
) -> Contribution:
    """Record money received against a pledge and update the pledge's status."""
    amount = validate_money(amount, currency)
    if received_on > timezone.localdate():
        raise ApplicationError(
            _("The date received cannot be in the future."), field="received_on"
        )
    with transaction.atomic():
        pledge = (
            Pledge.objects.select_for_update(of=("self",))
            .select_related("member_state")
            .get(pk=pledge.pk)
        )
        policy.require("contribution.record", actor, pledge)
        if currency != str(pledge.amount.currency):
            raise ApplicationError(
                _(
                    "The pledge is in %(pledged)s; record the contribution in "
                    "%(pledged)s."
                )
                % {"pledged": pledge.amount.currency},
                field="currency",
            )
        outstanding = pledge.amount.amount - pledge.received_amount
        if amount > outstanding:
            raise ApplicationError(
                _(
                    "%(amount)s is more than the %(outstanding)s still "
                    "outstanding on the pledge; record a new pledge for the excess."
                )
                % {
                    "amount": money(amount, currency),
                    "outstanding": money(outstanding, currency),
                },
                field="amount",
            )
        conversion = to_eur(amount, currency, on_date=received_on, rate=fx_rate)
        transfer = {
            "bank_reference": bank_reference.strip(),
            "amount": Money(amount, currency),
            "received_on": received_on,
        }
        _refuse_a_transfer_twice(**transfer)
        try:
            # Two finance officers entering the same transfer at once: the
            # unique index lets one through and refuses the other here.
            with transaction.atomic():
                contribution = Contribution.objects.create(
                    pledge=pledge,
                    eur_amount=conversion.eur_amount,
                    fx_rate=conversion.rate,
                    fx_date=conversion.rate_date,
                    note=note,
                    illustrative=illustrative,
                    recorded_by=actor,
                    **transfer,
                )
        except IntegrityError as exc:
            if "contribution_bank_transfer_once" not in str(exc):
                raise
            _refuse_a_transfer_twice(**transfer)
            raise  # pragma: no cover - the index refused what the query cannot see
        # The fund credits its pool in this transaction (it listens: the fund
        # stands above members).
        contribution_recorded.send(
            sender=Contribution, contribution=contribution, actor=actor
        )
        pledge.received_amount += amount
        pledge.received_eur += contribution.eur_amount
        case = _pledge_case(pledge)
        received_text = _("Contribution received: %(amount)s") % {
            "amount": money(amount, currency)
        }
        # The money's own event; the pledge's status, if it changes, is the move's.
        timeline_record(
            subject=pledge.member_state,
            case=case,
            actor=actor,
            action="contribution_recorded",
            description=received_text,
        )
        _pledge_follow_money(
            pledge,
            actor=actor,
            reason=_("%(received)s on %(date)s")
            % {"received": received_text, "date": day_text(received_on)},
            case=case,
        )
    return contribution
