"""Writes of requirements and manufacturers: nomination, vetting, supply chains,
tests, representatives, bank accounts."""

from collections.abc import Mapping
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from members.models import MemberState, MemberStatus
from procurement.models import (
    Component,
    Manufacturer,
    Requirement,
    RequirementPriority,
    SupplyChainDeclaration,
    TestOutcome,
    TestResult,
    VettingStatus,
)
from secretariat.accounts.invitations import account_invite
from secretariat.accounts.models import User
from secretariat.kernel import policy
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.models import CapabilityCategory
from secretariat.kernel.roles import Role
from secretariat.kernel.services import (
    attachment_store,
    required_text,
    timeline_record,
    transition,
)


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
        if (
            to_status == VettingStatus.VETTED
            and manufacturer.member_state.status != MemberStatus.MEMBER
        ):
            raise ConflictError(
                _("%(state)s is not a member; its manufacturers cannot be vetted.")
                % {"state": manufacturer.member_state.name}
            )
        transition(manufacturer, to=to_status, actor=actor, reason=reason)
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


def manufacturer_bank_account_set(
    *, manufacturer: Manufacturer, actor: User, iban: str, bic: str
) -> Manufacturer:
    """Where the Coalition pays the company (checked IBAN and BIC)."""
    from secretariat.fund.services.disbursements import clean_bic, clean_iban

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
