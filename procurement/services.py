"""Every write to requirements and manufacturers. Web forms, the API, the admin
and the demo seed call these."""

import hashlib
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from members.models import MemberState, MemberStatus
from procurement import notifications as tell
from procurement.models import (
    CRITERIA,
    TENDER_TRANSITIONS,
    VETTING_TRANSITIONS,
    Award,
    AwardStatus,
    Bid,
    BidEvent,
    BidEventAction,
    BidStatus,
    Clarification,
    CommitteeMember,
    Complaint,
    ComplaintStatus,
    Component,
    Contract,
    Delivery,
    DeliveryMonth,
    DeliveryStatus,
    Lot,
    Manufacturer,
    MemberStanding,
    Milestone,
    Procedure,
    Requirement,
    RequirementPriority,
    RequirementStatus,
    Score,
    SupplyChainDeclaration,
    Tender,
    TenderStatus,
    TestOutcome,
    TestResult,
    VettingStatus,
)
from procurement.policy import bids as bid_policy
from procurement.sealing import encode_document, seal, unseal
from secretariat.exceptions import ApplicationError, ConflictError
from secretariat.formatting import when_text
from secretariat.invitations import account_invite
from secretariat.kernel import policy
from secretariat.models import CapabilityCategory, CaseKind, User
from secretariat.roles import Role
from secretariat.services import (
    attachment_store,
    case_open,
    case_set_status,
    check_transition,
    require_reason,
    required_text,
    timeline_record,
)
from secretariat.services.fund import commitment_reserve, earmark_error
from secretariat.uploads import inspect_upload

# ---------------------------------------------------------------- requirements


def requirement_record(
    *,
    actor: User,
    title: str,
    capability: CapabilityCategory,
    quantity: int,
    specification: str,
    priority: str,
    needed_by: date,
    source_reference: str = "",
) -> Requirement:
    """Record a requirement stated by Ukraine's Armed Forces."""
    policy.require("requirement.record", actor)
    title = required_text(
        title, field="title", message=_("Give the requirement a title.")
    )
    specification = required_text(
        specification,
        field="specification",
        message=_("Describe the technical specification."),
    )
    if int(quantity) <= 0:
        raise ApplicationError(_("The quantity must be at least 1."), field="quantity")
    if priority not in RequirementPriority.values:
        raise ApplicationError(_("Choose a priority."), field="priority")
    if needed_by < timezone.localdate():
        raise ApplicationError(
            _("The date it is needed by cannot be in the past."), field="needed_by"
        )
    with transaction.atomic():
        requirement = Requirement.objects.create(
            title=title,
            source_reference=source_reference.strip(),
            capability=capability,
            quantity=quantity,
            specification=specification,
            priority=priority,
            needed_by=needed_by,
            recorded_by=actor,
        )
        timeline_record(
            subject=requirement,
            actor=actor,
            action="recorded",
            description=_("%(ref)s recorded: %(quantity)s of %(capability)s")
            % {
                "ref": requirement.reference,
                "quantity": quantity,
                "capability": capability.name,
            },
        )
    return requirement


# ---------------------------------------------------------------- manufacturers


def manufacturer_nominate(
    *,
    actor: User,
    member_state: MemberState,
    name: str,
    registration_number: str,
    contact_name: str,
    contact_email: str,
    contact_phone: str = "",
    address: str = "",
) -> Manufacturer:
    """A member's liaison (or a procurement officer) puts forward a national
    manufacturer; it waits for vetting."""
    name = required_text(name, field="name", message=_("Enter the company's name."))
    registration_number = required_text(
        registration_number,
        field="registration_number",
        message=_("Enter the company's registration number."),
    )
    contact_name = required_text(
        contact_name, field="contact_name", message=_("Enter a contact person.")
    )
    contact_email = required_text(
        contact_email,
        field="contact_email",
        message=_("Enter the contact's email address."),
    )
    with transaction.atomic():
        member_state = MemberState.objects.select_for_update().get(pk=member_state.pk)
        policy.require("manufacturer.nominate", actor, member_state)
        try:
            with transaction.atomic():
                manufacturer = Manufacturer.objects.create(
                    member_state=member_state,
                    name=name,
                    registration_number=registration_number,
                    contact_name=contact_name,
                    contact_email=contact_email,
                    contact_phone=contact_phone.strip(),
                    address=address.strip(),
                    nominated_by=actor,
                )
        except IntegrityError as exc:
            raise ApplicationError(
                _("A manufacturer of %(state)s with registration number %(number)s is "
                  "already registered.")
                % {"state": member_state.name, "number": registration_number},
                field="registration_number",
            ) from exc  # fmt: skip
        timeline_record(
            subject=manufacturer,
            actor=actor,
            action="nominated",
            description=_("%(name)s (%(state)s) nominated")
            % {"name": name, "state": member_state.name},
            to_status=VettingStatus.APPLIED,
        )
    return manufacturer


def manufacturer_vet(
    *, manufacturer: Manufacturer, actor: User, to_status: str, reason: str
) -> Manufacturer:
    """Vet, suspend or reinstate a manufacturer: who decided, when and why."""
    reason = required_text(
        reason, field="reason", message=_("Give a reason for this decision.")
    )
    with transaction.atomic():
        manufacturer = (
            Manufacturer.objects.select_for_update(of=("self",))
            .select_related("member_state")
            .get(pk=manufacturer.pk)
        )
        policy.require("manufacturer.vet", actor, manufacturer)
        current = manufacturer.vetting_status
        check_transition(
            transitions=VETTING_TRANSITIONS,
            current=current,
            target=to_status,
            labels=dict(VettingStatus.choices),
            what=manufacturer.name,
            subject=manufacturer,
        )
        if (
            to_status == VettingStatus.VETTED
            and manufacturer.member_state.status != MemberStatus.MEMBER
        ):
            raise ConflictError(
                _("%(state)s is not a member; its manufacturers cannot be vetted.")
                % {"state": manufacturer.member_state.name}
            )
        manufacturer.vetting_status = to_status
        manufacturer.vetting_changed_at = timezone.now()
        manufacturer.save(update_fields=["vetting_status", "vetting_changed_at"])
        timeline_record(
            subject=manufacturer,
            actor=actor,
            action="vetting_changed",
            description=_("%(name)s: %(from)s → %(to)s")
            % {
                "name": manufacturer.name,
                "from": VettingStatus(current).label,
                "to": VettingStatus(to_status).label,
            },
            from_status=current,
            to_status=to_status,
            reason=reason,
        )
    return manufacturer


def supply_chain_declare(
    *, manufacturer: Manufacturer, actor: User, origins: Mapping[str, str]
) -> list[SupplyChainDeclaration]:
    """Declare the country of origin of critical components (e.g. flight
    controller: LV). Components not named keep their earlier declaration."""
    policy.require("manufacturer.declare_supply_chain", actor, manufacturer)
    if not origins:
        raise ApplicationError(
            _("Declare the origin of at least one component."), field="origins"
        )
    for component, country in origins.items():
        if component not in Component.values:
            raise ApplicationError(
                _("“%(c)s” is not a critical component (%(list)s).")
                % {"c": component, "list": ", ".join(Component.values)},
                field="origins",
            )
        if str(country).upper() not in countries:
            raise ApplicationError(
                _("“%(country)s” is not a country code (ISO 3166, e.g. LV).")
                % {"country": country},
                field="origins",
            )
    with transaction.atomic():
        manufacturer = Manufacturer.objects.select_for_update().get(pk=manufacturer.pk)
        now = timezone.now()
        for component, country in origins.items():
            SupplyChainDeclaration.objects.update_or_create(
                manufacturer=manufacturer,
                component=component,
                defaults={
                    "origin_country": str(country).upper(),
                    "declared_by": actor,
                    "declared_at": now,
                },
            )
        timeline_record(
            subject=manufacturer,
            actor=actor,
            action="supply_chain_declared",
            description=_("Supply chain declared: %(list)s")
            % {
                "list": ", ".join(
                    f"{Component(c).label} {str(country).upper()}"
                    for c, country in sorted(origins.items())
                )
            },
        )
    return list(manufacturer.supply_chain.all())


def manufacturer_test_record(
    *,
    manufacturer: Manufacturer,
    actor: User,
    capability: CapabilityCategory,
    product: str,
    site: str,
    tested_on: date,
    outcome: str,
    summary: str,
    report_file=None,
) -> TestResult:
    """Record a test of a manufacturer's product (e.g. at Sēlia)."""
    policy.require("manufacturer.record_test", actor, manufacturer)
    product = required_text(
        product, field="product", message=_("Name the product tested.")
    )
    site = required_text(site, field="site", message=_("Name the test site."))
    summary = required_text(
        summary, field="summary", message=_("Summarise the result.")
    )
    if outcome not in TestOutcome.values:
        raise ApplicationError(_("Choose the outcome."), field="outcome")
    if tested_on > timezone.localdate():
        raise ApplicationError(
            _("The test date cannot be in the future."), field="tested_on"
        )
    with transaction.atomic():
        result = TestResult.objects.create(
            manufacturer=manufacturer,
            capability=capability,
            product=product,
            site=site,
            tested_on=tested_on,
            outcome=outcome,
            summary=summary,
            recorded_by=actor,
        )
        if report_file is not None:
            result.report = attachment_store(
                subject=manufacturer,
                uploaded_file=report_file,
                actor=actor,
                description=_("Test report: %(product)s") % {"product": product},
            )
            result.save(update_fields=["report"])
        timeline_record(
            subject=manufacturer,
            actor=actor,
            action="test_recorded",
            description=_("%(product)s tested at %(site)s: %(outcome)s")
            % {
                "product": product,
                "site": site,
                "outcome": TestOutcome(outcome).label,
            },
            evidence=result.report,
            occurred_at=_noon(tested_on),
        )
    return result


# ---------------------------------------------------------------- representatives


def representative_invite(
    *,
    manufacturer: Manufacturer,
    actor: User,
    email: str,
    first_name: str,
    last_name: str,
) -> User:
    """A procurement officer, or the liaison of the company's state, gives a
    manufacturer a representative: the account is made in that role, bound to
    the company, and the person gets the one-time link liaisons get."""
    first_name = required_text(
        first_name, field="first_name", message=_("Enter the first name.")
    )
    last_name = required_text(
        last_name, field="last_name", message=_("Enter the last name.")
    )
    email = required_text(
        email, field="email", message=_("Enter the representative's email address.")
    )
    with transaction.atomic():
        manufacturer = (
            Manufacturer.objects.select_for_update(of=("self",))
            .select_related("member_state")
            .get(pk=manufacturer.pk)
        )
        policy.require("manufacturer.invite_representative", actor, manufacturer)
        user = account_invite(
            email=email,
            first_name=first_name,
            last_name=last_name,
            role=Role.MANUFACTURER_REPRESENTATIVE,
            manufacturer=manufacturer,
        )
        timeline_record(
            subject=manufacturer,
            actor=actor,
            action="representative_invited",
            description=_("Representative %(name)s <%(email)s> invited")
            % {"name": user.get_full_name(), "email": user.email},
        )
    return user


def representative_deactivate(
    *, manufacturer: Manufacturer, representative: User, actor: User
) -> User:
    """End a representative's access: the account stays (their name remains on
    the company's bids and records) but can no longer sign in."""
    policy.require("manufacturer.deactivate_representative", actor, manufacturer)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=representative.pk)
        if (
            user.manufacturer_id != manufacturer.pk
            or not user.groups.filter(name=Role.MANUFACTURER_REPRESENTATIVE).exists()
        ):
            raise ApplicationError(
                _("%(user)s is not a representative of %(name)s.")
                % {"user": user, "name": manufacturer.name},
                field="user",
            )
        if not user.is_active:
            raise ConflictError(
                _("%(user)s is already deactivated.") % {"user": user}, field="user"
            )
        user.is_active = False
        user.save(update_fields=["is_active"])
        timeline_record(
            subject=manufacturer,
            actor=actor,
            action="representative_deactivated",
            description=_("Representative %(name)s <%(email)s> deactivated")
            % {"name": user.get_full_name() or user.username, "email": user.email},
        )
    return user


def _noon(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 12))


# ==================================================================== tenders

TENDER_LABELS = dict(TenderStatus.choices)


def _lock_tender(tender: Tender) -> Tender:
    return (
        Tender.objects.select_for_update(of=("self",))
        .select_related("case", "pool")
        .get(pk=tender.pk)
    )


def _tender_move(tender: Tender, *, to_status: str, actor, reason: str = "") -> None:
    current = tender.status
    check_transition(
        transitions=TENDER_TRANSITIONS,
        current=current,
        target=to_status,
        labels=TENDER_LABELS,
        what=tender.case.reference,
        subject=tender,
        field=None,
    )
    tender.status = to_status
    tender.save(update_fields=["status"])
    case_set_status(
        case=tender.case,
        status=to_status,
        closed=to_status
        in {TenderStatus.CONTRACTED, TenderStatus.CANCELLED, TenderStatus.UNSUCCESSFUL},
    )
    timeline_record(
        subject=tender,
        case=tender.case,
        actor=actor,
        action="status_changed",
        description=_("%(ref)s: %(from)s → %(to)s")
        % {
            "ref": tender.case.reference,
            "from": TENDER_LABELS[current],
            "to": TENDER_LABELS[to_status],
        },
        from_status=current,
        to_status=to_status,
        reason=reason,
    )


def _check_weights(weights: Mapping[str, int]) -> dict:
    unknown = set(weights) - set(CRITERIA)
    if unknown or set(weights) != set(CRITERIA):
        raise ApplicationError(
            _("Give a weight for each criterion: %(list)s.")
            % {"list": ", ".join(CRITERIA)},
            field="weights",
        )
    total = sum(int(w) for w in weights.values())
    if any(int(w) < 0 for w in weights.values()) or total != 100:
        raise ApplicationError(
            _("The weights must be whole numbers from 0 that add up to 100 "
              "(they add up to %(total)d).")
            % {"total": total},
            field="weights",
        )  # fmt: skip
    return {f"weight_{name}": int(weights[name]) for name in CRITERIA}


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
            due_date=timezone.localdate(submission_deadline),
        )
        tender = Tender.objects.create(
            case=case, title=title, description=description, pool=pool,
            procedure=procedure, clarification_deadline=clarification_deadline,
            submission_deadline=submission_deadline, excluded_origins=excluded,
            standstill_days=standstill_days, **weight_fields,
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
        after = _editable_state(tender)
        changed = [EDITED_LABELS[k] for k in before if before[k] != after[k]]
        case = tender.case
        case.title = tender.title
        case.due_date = timezone.localdate(tender.submission_deadline)
        case.save(update_fields=["title", "due_date", "updated_at"])
        timeline_record(
            subject=tender,
            case=case,
            actor=actor,
            action="edited",
            description=_("Draft edited: %(changed)s")
            % {"changed": ", ".join(str(c) for c in changed) or _("nothing changed")},
        )
    return tender


# What a draft's timeline says was edited.
EDITED_LABELS = {
    "title": gettext_lazy("title"),
    "description": gettext_lazy("description"),
    "requirements": gettext_lazy("requirements"),
    "pool": gettext_lazy("funding pool"),
    "deadlines": gettext_lazy("deadlines"),
    "procedure": gettext_lazy("procedure"),
    "invited": gettext_lazy("invited manufacturers"),
    "weights": gettext_lazy("weights"),
    "excluded_origins": gettext_lazy("excluded component origins"),
    "standstill_days": gettext_lazy("standstill"),
}


def _editable_state(tender: Tender) -> dict:
    return {
        "title": tender.title,
        "description": tender.description,
        "requirements": sorted(tender.requirements.values_list("pk", flat=True)),
        "pool": tender.pool_id,
        "deadlines": (tender.clarification_deadline, tender.submission_deadline),
        "procedure": tender.procedure,
        "invited": sorted(tender.invited.values_list("pk", flat=True)),
        "weights": tender.weights(),
        "excluded_origins": list(tender.excluded_origins),
        "standstill_days": tender.standstill_days,
    }


def tender_publish(*, tender: Tender, actor: User) -> Tender:
    with transaction.atomic():
        tender = _lock_tender(tender)
        policy.require("tender.publish", actor, tender)
        _check_standstill(tender.standstill_days)
        _check_publishable(tender)
        tender.published_at = timezone.now()
        tender.save(update_fields=["published_at"])
        tender.requirements.update(status=RequirementStatus.IN_TENDER)
        _tender_move(tender, to_status=TenderStatus.PUBLISHED, actor=actor)
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
                _tender_move(tender, to_status=TenderStatus.TENDERING, actor=None)
                moved += 1
            if (
                tender.status == TenderStatus.TENDERING
                and tender.submission_deadline <= now
            ):
                _tender_move(tender, to_status=TenderStatus.CLOSED, actor=None)
                moved += 1
    return moved


def tender_cancel(*, tender: Tender, actor: User, reason: str) -> Tender:
    reason = require_reason(reason)
    with transaction.atomic():
        tender = _lock_tender(tender)
        policy.require("tender.cancel", actor, tender)
        _tender_move(
            tender, to_status=TenderStatus.CANCELLED, actor=actor, reason=reason
        )
        tender.requirements.filter(status=RequirementStatus.IN_TENDER).update(
            status=RequirementStatus.OPEN
        )
    return tender


def tender_open(*, tender: Tender, actor: User) -> Tender:
    """Open every bid at once, after the deadline: who, when, and how many."""
    with transaction.atomic():
        tender = _lock_tender(tender)
        policy.require("tender.open", actor, tender)
        if tender.status == TenderStatus.TENDERING:
            # The deadline has passed before the periodic task closed tendering.
            _tender_move(tender, to_status=TenderStatus.CLOSED, actor=None)
        tender.opened_at = timezone.now()
        tender.opened_by = actor
        tender.save(update_fields=["opened_at", "opened_by"])
        _tender_move(tender, to_status=TenderStatus.OPENED, actor=actor)
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
            description=_("%(n)d bid(s) opened") % {"n": count},
        )
        tell.tell_bids_opened(tender)
    return tender


# ---------------------------------------------------------------- clarifications


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
        tell.tell_clarification_answered(clarification.tender)
    return clarification


# ---------------------------------------------------------------- sealed bids


def _bidder(actor: User) -> Manufacturer:
    """The company a representative acts for (the policy ``bid.submit`` says
    who bids at all)."""
    policy.require("bid.submit", actor)
    return Manufacturer.objects.select_related("member_state").get(
        pk=actor.manufacturer_id
    )


def _check_eligible(tender: Tender, manufacturer: Manufacturer) -> None:
    """The tender's eligibility rules (``policy.bids.ineligibility``), with the
    reason a manufacturer fails."""
    reason = bid_policy.ineligibility(tender, manufacturer)
    if reason:
        raise ApplicationError(reason)


def _offer(lot: Lot, *, unit_price, quantity, delivery_schedule, compliance,
           documents) -> dict:  # fmt: skip
    try:
        unit_price = Decimal(unit_price)
    except (InvalidOperation, TypeError) as exc:
        raise ApplicationError(_("Enter the unit price."), field="unit_price") from exc
    if unit_price <= 0 or unit_price != unit_price.quantize(Decimal("0.01")):
        raise ApplicationError(
            _("The unit price must be a positive EUR amount with at most 2 decimals."),
            field="unit_price",
        )
    if unit_price > lot.max_unit_price:
        raise ApplicationError(
            _("The unit price is above the lot's maximum of EUR %(max)s.")
            % {"max": f"{lot.max_unit_price:,.2f}"},
            field="unit_price",
        )
    if not 0 < int(quantity) <= lot.quantity:
        raise ApplicationError(
            _("Offer between 1 and %(n)d units.") % {"n": lot.quantity},
            field="quantity",
        )
    delivery_schedule = required_text(
        delivery_schedule,
        field="delivery_schedule",
        message=_("Give the delivery schedule."),
    )
    sealed_documents = []
    for uploaded in documents:
        try:
            checked = inspect_upload(uploaded)
        except ValidationError as exc:
            raise ApplicationError(" ".join(exc.messages), field="documents") from exc
        uploaded.seek(0)
        sealed_documents.append(
            encode_document(checked["name"], checked["content_type"], uploaded.read())
        )
    return {
        "unit_price": str(unit_price),
        "quantity": int(quantity),
        "delivery_schedule": delivery_schedule,
        "compliance": dict(compliance or {}),
        "documents": sealed_documents,
    }


def _lock_for_bidding(lot: Lot) -> Tender:
    """Lock the lot's tender and read it again: the policy decides on the
    locked row."""
    lot.tender = _lock_tender(lot.tender)
    return lot.tender


def bid_submit(*, lot: Lot, actor: User, unit_price, quantity, delivery_schedule,
               compliance=None, documents=()) -> Bid:  # fmt: skip
    """Submit a sealed bid for a lot. Only its bidder can read it until opening."""
    with transaction.atomic():
        _lock_for_bidding(lot)
        policy.require("bid.submit", actor, lot)
        offer = _offer(
            lot, unit_price=unit_price, quantity=quantity,
            delivery_schedule=delivery_schedule, compliance=compliance,
            documents=documents,
        )  # fmt: skip
        bid = Bid.objects.create(
            lot=lot,
            manufacturer_id=actor.manufacturer_id,
            sealed=seal(offer),
            submitted_by=actor,
        )
        _bid_event(bid, BidEventAction.SUBMITTED, actor)
        return bid


def _bid_event(bid: Bid, action: str, actor: User) -> None:
    """The bid's own audit trail; never the case timeline, which would tell
    everyone on the case how many bids there are."""
    BidEvent.objects.create(
        bid=bid,
        action=action,
        actor=actor,
        at=bid.changed_at,
        sealed_digest=hashlib.sha256(bytes(bid.sealed)).hexdigest(),
    )


def _lock_bid(bid: Bid) -> Bid:
    """Lock the bid's tender, then the bid, and read both again."""
    tender = _lock_tender(bid.lot.tender)
    bid = (
        Bid.objects.select_for_update(of=("self",))
        .select_related("lot", "manufacturer")
        .get(pk=bid.pk)
    )
    bid.lot.tender = tender
    return bid


def bid_change(*, bid: Bid, actor: User, unit_price, quantity, delivery_schedule,
               compliance=None, documents=(), keep_documents=False) -> Bid:  # fmt: skip
    """Replace the sealed offer. With ``keep_documents`` the documents already
    sealed in it stay, and ``documents`` are added to them."""
    with transaction.atomic():
        bid = _lock_bid(bid)
        policy.require("bid.change", actor, bid)
        offer = _offer(
            bid.lot, unit_price=unit_price, quantity=quantity,
            delivery_schedule=delivery_schedule, compliance=compliance,
            documents=documents,
        )  # fmt: skip
        if keep_documents:
            offer["documents"] = unseal(bid.sealed)["documents"] + offer["documents"]
        bid.sealed = seal(offer)
        bid.changed_at = timezone.now()
        bid.save(update_fields=["sealed", "changed_at"])
        _bid_event(bid, BidEventAction.CHANGED, actor)
    return bid


def bid_withdraw(*, bid: Bid, actor: User) -> Bid:
    with transaction.atomic():
        bid = _lock_bid(bid)
        policy.require("bid.withdraw", actor, bid)
        bid.status = BidStatus.WITHDRAWN
        bid.changed_at = timezone.now()
        bid.save(update_fields=["status", "changed_at"])
        _bid_event(bid, BidEventAction.WITHDRAWN, actor)
    return bid


def bid_offer(bid: Bid, *, user: User) -> dict:
    """The content of a bid, for those the policy ``bid.read_offer`` lets read
    it; for anyone else, nothing."""
    policy.require("bid.read_offer", user, bid)
    return unseal(bid.sealed)


def opened_bid_offer(bid: Bid) -> dict:
    """The content of a bid of an opened tender, for what is published about
    its award (the OCDS release); refused while the tender is sealed, as a
    tender cancelled before its opening stays."""
    if bid.lot.tender.is_sealed:
        raise PermissionDenied(_("This bid is sealed until the tender is opened."))
    return unseal(bid.sealed)


# ==================================================================== evaluation


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
        _tender_move(tender, to_status=TenderStatus.EVALUATION, actor=actor)
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
        if criterion not in CRITERIA:
            raise ApplicationError(
                _("Criteria: %(list)s.") % {"list": ", ".join(CRITERIA)},
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


# ==================================================================== awards


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


def award_approve(*, award: Award, actor: User, comment: str = "") -> Award:
    """A co-lead approver, never the recommender, approves the award; the
    standstill period starts, and the tender is awarded once every lot with an
    eligible bid has an approved award (the policy ``award.approve``)."""
    with transaction.atomic():
        award = (
            Award.objects.select_for_update(of=("self",))
            .select_related("lot__tender__case", "bid__manufacturer")
            .get(pk=award.pk)
        )
        tender = _lock_tender(award.lot.tender)
        policy.require("award.approve", actor, award)
        now = timezone.now()
        award.status = AwardStatus.APPROVED
        award.approved_by = actor
        award.approved_at = now
        # Never shorter than the minimum, even for a tender drafted before it.
        standstill = max(tender.standstill_days, settings.AWARD_STANDSTILL_MIN_DAYS)
        award.standstill_until = now + timedelta(days=standstill)
        award.save(
            update_fields=["status", "approved_by", "approved_at", "standstill_until"]
        )
        timeline_record(
            subject=tender,
            case=tender.case,
            actor=actor,
            action="award_approved",
            description=_(
                "Lot %(n)d: award to %(name)s approved; standstill until %(until)s"
            )
            % {
                "n": award.lot.number,
                "name": award.bid.manufacturer.name,
                "until": when_text(award.standstill_until),
            },
            reason=comment,
        )
        lots_to_award = Lot.objects.filter(
            tender=tender, bids__eligible=True, bids__status=BidStatus.SUBMITTED
        ).distinct()
        awarded = Award.objects.filter(
            lot__tender=tender, status=AwardStatus.APPROVED
        ).values_list("lot_id", flat=True)
        if set(lots_to_award.values_list("pk", flat=True)) <= set(awarded):
            _tender_move(tender, to_status=TenderStatus.AWARDED, actor=actor)
        tell.tell_award_approved(award)
    return award


def complaint_file(*, award: Award, actor: User, text: str) -> Complaint:
    """A losing bidder on the lot complains during the standstill (the policy
    ``complaint.file``)."""
    with transaction.atomic():
        award = (
            Award.objects.select_for_update(of=("self",))
            .select_related("lot__tender__case", "bid")
            .get(pk=award.pk)
        )
        policy.require("complaint.file", actor, award)
        text = required_text(text, field="text", message=_("Write your complaint."))
        complaint = Complaint.objects.create(
            award=award, manufacturer_id=actor.manufacturer_id, text=text,
            filed_by=actor,
        )  # fmt: skip
        timeline_record(
            subject=award.lot.tender,
            case=award.lot.tender.case,
            actor=actor,
            action="complaint_filed",
            description=_("Complaint filed against the award of lot %(n)d")
            % {"n": award.lot.number},
        )
        tell.tell_complaint_filed(complaint)
    return complaint


def complaint_decide(
    *, complaint: Complaint, actor: User, uphold: bool, decision: str
) -> Complaint:
    """Decide a complaint. Upholding it cancels the award and returns the tender
    to evaluation (the policy ``complaint.decide``)."""
    with transaction.atomic():
        complaint = (
            Complaint.objects.select_for_update(of=("self",))
            .select_related("award__lot__tender")
            .get(pk=complaint.pk)
        )
        policy.require("complaint.decide", actor, complaint)
        decision = required_text(
            decision, field="decision", message=_("Give the decision's reasons.")
        )
        tender = _lock_tender(complaint.award.lot.tender)
        complaint.status = (
            ComplaintStatus.UPHELD if uphold else ComplaintStatus.DISMISSED
        )
        complaint.decision = decision
        complaint.decided_by = actor
        complaint.decided_at = timezone.now()
        complaint.save(update_fields=["status", "decision", "decided_by", "decided_at"])
        if uphold:
            award = complaint.award
            award.status = AwardStatus.CANCELLED
            award.save(update_fields=["status"])
            if tender.status == TenderStatus.AWARDED:
                tender.status = TenderStatus.EVALUATION
                tender.save(update_fields=["status"])
                case_set_status(case=tender.case, status=TenderStatus.EVALUATION)
        timeline_record(
            subject=tender,
            case=tender.case,
            actor=actor,
            action="complaint_decided",
            description=(
                _("Complaint upheld: the award of lot %(n)d is cancelled")
                if uphold
                else _("Complaint about lot %(n)d dismissed")
            )
            % {"n": complaint.award.lot.number},
            from_status=TenderStatus.AWARDED if uphold else "",
            to_status=TenderStatus.EVALUATION if uphold else "",
            reason=decision,
        )
    return complaint


# ==================================================================== contracts


def contract_sign(
    *, award: Award, actor: User, milestones: list[tuple[date, int]]
) -> Contract:
    """Sign the contract of an approved award once the standstill is over and no
    complaint is pending. Signing commits the contract's value in the tender's
    pool, and fails with the reason if the pool cannot cover it (the policy
    ``contract.sign`` decides who signs and when)."""
    if not milestones:
        raise ApplicationError(
            _("Give at least one delivery milestone."), field="milestones"
        )
    with transaction.atomic():
        award = (
            Award.objects.select_for_update(of=("self",))
            .select_related("lot__tender__case", "lot__capability", "bid__manufacturer")
            .get(pk=award.pk)
        )
        tender = _lock_tender(award.lot.tender)
        policy.require("contract.sign", actor, award)
        offer = unseal(award.bid.sealed)
        unit_price = Decimal(offer["unit_price"])
        quantity = int(offer["quantity"])
        if sum(int(q) for _due, q in milestones) != quantity:
            raise ApplicationError(
                _("The milestones must add up to the %(n)d units offered.")
                % {"n": quantity},
                field="milestones",
            )
        value = (unit_price * quantity).quantize(Decimal("0.01"))
        commitment = commitment_reserve(
            pool=tender.pool,
            amount_eur=value,
            purpose=_("Contract for %(tender)s lot %(n)d with %(name)s")
            % {
                "tender": tender.case.reference,
                "n": award.lot.number,
                "name": award.bid.manufacturer.name,
            },
            categories=[award.lot.capability],
            actor=actor,
            approval_reference=tender.case.reference,
        )
        contract = Contract.objects.create(
            award=award, manufacturer=award.bid.manufacturer, quantity=quantity,
            unit_price=unit_price, value_eur=value, commitment=commitment,
            signed_by=actor,
        )  # fmt: skip
        Milestone.objects.bulk_create(
            Milestone(
                contract=contract,
                number=number,
                due_on=due_on,
                quantity=int(units),
                amount_eur=(unit_price * int(units)).quantize(Decimal("0.01")),
            )
            for number, (due_on, units) in enumerate(milestones, 1)
        )
        timeline_record(
            subject=tender,
            case=tender.case,
            actor=actor,
            action="contract_signed",
            description=_("%(ref)s signed with %(name)s: EUR %(value)s committed")
            % {
                "ref": contract.reference,
                "name": contract.manufacturer.name,
                "value": f"{value:,.2f}",
            },
        )
        approved = Award.objects.filter(lot__tender=tender, status=AwardStatus.APPROVED)
        if not approved.filter(contract__isnull=True).exists():
            _tender_move(tender, to_status=TenderStatus.CONTRACTED, actor=actor)
    return contract


def manufacturer_bank_account_set(
    *, manufacturer: Manufacturer, actor: User, iban: str, bic: str
) -> Manufacturer:
    """Where the Coalition pays the company (checked IBAN and BIC)."""
    from secretariat.services.disbursements import clean_bic, clean_iban

    policy.require("manufacturer.set_bank_account", actor, manufacturer)
    iban, bic = clean_iban(iban), clean_bic(bic)
    with transaction.atomic():
        manufacturer = Manufacturer.objects.select_for_update().get(pk=manufacturer.pk)
        manufacturer.iban, manufacturer.bic = iban, bic
        manufacturer.save(update_fields=["iban", "bic"])
        timeline_record(
            subject=manufacturer,
            actor=actor,
            action="bank_account_set",
            description=_("Bank account set: %(iban)s") % {"iban": iban},
        )
    return manufacturer


# ==================================================================== deliveries


def delivery_report(
    *, contract: Contract, milestone: Milestone, actor: User, quantity: int,
    note: str = "",
) -> Delivery:  # fmt: skip
    """The contractor's representative reports a batch delivered under a
    milestone (the policy ``delivery.report``)."""
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        policy.require("delivery.report", actor, contract)
        if milestone.contract_id != contract.pk:
            raise ApplicationError(
                _("That milestone is not in this contract."), field="milestone"
            )
        already = sum(
            d.quantity
            for d in milestone.deliveries.exclude(status=DeliveryStatus.REJECTED)
        )
        if not 0 < int(quantity) <= milestone.quantity - already:
            raise ApplicationError(
                _("Milestone %(n)d has %(left)d units left to deliver.")
                % {"n": milestone.number, "left": milestone.quantity - already},
                field="quantity",
            )
        delivery = Delivery.objects.create(
            contract=contract, milestone=milestone, quantity=int(quantity),
            note=note.strip(), reported_by=actor,
        )  # fmt: skip
        DeliveryMonth.add(delivery.reported_at, delivered=delivery.quantity)
        tender = contract.award.lot.tender
        timeline_record(
            subject=tender,
            case=tender.case,
            actor=actor,
            action="delivery_reported",
            description=_("%(ref)s: %(n)d units delivered, awaiting acceptance")
            % {"ref": contract.reference, "n": delivery.quantity},
        )
        tell.tell_delivery_reported(delivery)
    return delivery


def delivery_decide(
    *,
    delivery: Delivery,
    actor: User,
    quantity_accepted: int,
    test_site: str,
    tested_on: date,
    note: str = "",
    report_file=None,
) -> Delivery:
    """Record the acceptance tests of a batch. Units that pass make their share of
    the milestone payable: a disbursement request is drafted against the
    contract's commitment, for a finance officer to take over (the policy
    ``delivery.decide``)."""
    from secretariat.services.disbursements import disbursement_draft

    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related(
                "contract__manufacturer__member_state",
                "contract__commitment",
                "contract__award__lot__tender__case",
                "contract__award__lot__capability",
                "milestone",
            )
            .get(pk=delivery.pk)
        )
        policy.require("delivery.decide", actor, delivery)
        test_site = required_text(
            test_site, field="test_site", message=_("Name the test site.")
        )
        if tested_on > timezone.localdate():
            raise ApplicationError(
                _("The test date cannot be in the future."), field="tested_on"
            )
        if not 0 <= int(quantity_accepted) <= delivery.quantity:
            raise ApplicationError(
                _("Between 0 and %(n)d units can be accepted.")
                % {"n": delivery.quantity},
                field="quantity_accepted",
            )
        contract = delivery.contract
        maker = contract.manufacturer
        accepted = int(quantity_accepted)
        if accepted and not (maker.iban and maker.bic):
            raise ConflictError(
                _("%(name)s has no bank account on record; it must be set before a "
                  "delivery is accepted for payment.") % {"name": maker.name}
            )  # fmt: skip
        delivery.status = (
            DeliveryStatus.ACCEPTED if accepted else DeliveryStatus.REJECTED
        )
        delivery.quantity_accepted = accepted
        delivery.test_site = test_site
        delivery.tested_on = tested_on
        delivery.decided_by = actor
        delivery.decided_at = timezone.now()
        if report_file is not None:
            delivery.report = attachment_store(
                subject=contract.award.lot.tender,
                case=contract.award.lot.tender.case,
                uploaded_file=report_file,
                actor=actor,
                description=_("Acceptance report, %(ref)s")
                % {"ref": contract.reference},
            )
        if accepted:
            lot = contract.award.lot
            delivery.disbursement = disbursement_draft(
                actor=actor,
                commitment=contract.commitment,
                payee_name=maker.name,
                payee_country=str(maker.member_state.country),
                payee_iban=maker.iban,
                payee_bic=maker.bic,
                amount=(contract.unit_price * accepted).quantize(Decimal("0.01")),
                currency="EUR",
                purpose=_(
                    "%(ref)s milestone %(n)d: %(units)d units accepted at %(site)s "
                    "on %(date)s"
                )
                % {
                    "ref": contract.reference,
                    "n": delivery.milestone.number,
                    "units": accepted,
                    "site": test_site,
                    "date": tested_on,
                },
                categories=[lot.capability],
            )
        delivery.save()
        if accepted:
            DeliveryMonth.add(delivery.decided_at, accepted=accepted)
        else:
            # A rejected batch is delivered again: it no longer counts.
            DeliveryMonth.add(delivery.reported_at, delivered=-delivery.quantity)
        tender = contract.award.lot.tender
        timeline_record(
            subject=tender,
            case=tender.case,
            actor=actor,
            action="delivery_decided",
            description=_("%(ref)s: %(accepted)d of %(n)d units accepted")
            % {"ref": contract.reference, "accepted": accepted, "n": delivery.quantity},
            reason=note,
            evidence=delivery.report,
        )
    return delivery
