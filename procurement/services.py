"""Every write to requirements and manufacturers. Web forms, the API, the admin
and the demo seed call these."""

from collections.abc import Mapping
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from members.models import MemberState, MemberStatus
from procurement.models import (
    VETTING_TRANSITIONS,
    Component,
    Manufacturer,
    Requirement,
    RequirementPriority,
    SupplyChainDeclaration,
    TestOutcome,
    TestResult,
    VettingStatus,
)
from secretariat.exceptions import ApplicationError, ConflictError
from secretariat.models import CapabilityCategory, User
from secretariat.services import attachment_store, check_transition, timeline_record
from secretariat.services.fund import require_perm


def _required_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ApplicationError(message, field=field)
    return value


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
    require_perm(actor, "procurement.add_requirement")
    title = _required_text(title, "title", _("Give the requirement a title."))
    specification = _required_text(
        specification, "specification", _("Describe the technical specification.")
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
    require_perm(actor, "procurement.nominate_manufacturer", member_state)
    name = _required_text(name, "name", _("Enter the company's name."))
    registration_number = _required_text(
        registration_number,
        "registration_number",
        _("Enter the company's registration number."),
    )
    contact_name = _required_text(
        contact_name, "contact_name", _("Enter a contact person.")
    )
    contact_email = _required_text(
        contact_email, "contact_email", _("Enter the contact's email address.")
    )
    with transaction.atomic():
        member_state = MemberState.objects.select_for_update().get(pk=member_state.pk)
        if member_state.status != MemberStatus.MEMBER:
            raise ConflictError(
                _(
                    "%(state)s is not a member (%(status)s); only members' "
                    "manufacturers take part in tenders."
                )
                % {
                    "state": member_state.name,
                    "status": member_state.get_status_display().lower(),
                },
                field="member_state",
            )
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
    require_perm(actor, "procurement.vet_manufacturer", manufacturer)
    reason = _required_text(reason, "reason", _("Give a reason for this decision."))
    with transaction.atomic():
        manufacturer = (
            Manufacturer.objects.select_for_update(of=("self",))
            .select_related("member_state")
            .get(pk=manufacturer.pk)
        )
        current = manufacturer.vetting_status
        check_transition(
            transitions=VETTING_TRANSITIONS,
            current=current,
            target=to_status,
            labels=dict(VettingStatus.choices),
            what=manufacturer.name,
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
    require_perm(actor, "procurement.declare_supply_chain", manufacturer)
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
    require_perm(actor, "procurement.record_test_result", manufacturer)
    product = _required_text(product, "product", _("Name the product tested."))
    site = _required_text(site, "site", _("Name the test site."))
    summary = _required_text(summary, "summary", _("Summarise the result."))
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


def _noon(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 12))
