"""Reads of procurement records, already scoped to what the user may see."""

from django.db.models import Prefetch, QuerySet

from procurement.models import Manufacturer, Requirement, SupplyChainDeclaration
from secretariat.roles import Role, has_role, is_staff_reader


def manufacturers_for(user) -> QuerySet[Manufacturer]:
    manufacturers = Manufacturer.objects.select_related("member_state")
    if is_staff_reader(user):
        return manufacturers
    if has_role(user, Role.MEMBER_LIAISON) and user.member_state_id:
        return manufacturers.filter(member_state_id=user.member_state_id)
    if has_role(user, Role.MANUFACTURER_REPRESENTATIVE) and user.manufacturer_id:
        return manufacturers.filter(pk=user.manufacturer_id)
    return manufacturers.none()


def manufacturer_detail(manufacturer: Manufacturer) -> Manufacturer:
    return (
        Manufacturer.objects.select_related("member_state", "nominated_by")
        .prefetch_related(
            Prefetch(
                "supply_chain",
                queryset=SupplyChainDeclaration.objects.select_related("declared_by"),
            ),
            "test_results__capability",
            "test_results__report",
        )
        .get(pk=manufacturer.pk)
    )


def requirements_for(user) -> QuerySet[Requirement]:
    if not is_staff_reader(user):
        return Requirement.objects.none()
    return Requirement.objects.select_related("capability", "recorded_by")
