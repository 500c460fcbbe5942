"""Who may read and act on requirements and manufacturers.

Staff read every manufacturer; a member liaison reads and nominates their own
state's; a manufacturer representative reads and declares for their own company
only. Requirements of Ukraine's Armed Forces are for staff."""

import rules

from procurement.models import Manufacturer
from secretariat.rules import (
    is_liaison,
    is_manufacturer_representative,
    is_procurement_officer,
    is_staff,
)


@rules.predicate
def is_liaison_of_manufacturers_state(user, obj):
    if not is_liaison(user) or user.member_state_id is None:
        return False
    if obj is None:
        return True
    state_id = obj.member_state_id if isinstance(obj, Manufacturer) else obj.pk
    return state_id == user.member_state_id


@rules.predicate
def represents(user, manufacturer):
    if not is_manufacturer_representative(user) or user.manufacturer_id is None:
        return False
    return manufacturer is None or manufacturer.pk == user.manufacturer_id


rules.add_perm(
    "procurement.view_manufacturer",
    is_staff | is_liaison_of_manufacturers_state | represents,
)
rules.add_perm(
    "procurement.nominate_manufacturer",
    is_procurement_officer | is_liaison_of_manufacturers_state,
)
rules.add_perm("procurement.vet_manufacturer", is_procurement_officer)
rules.add_perm("procurement.declare_supply_chain", is_procurement_officer | represents)
rules.add_perm("procurement.record_test_result", is_procurement_officer)

rules.add_perm("procurement.manage_tender", is_procurement_officer)
rules.add_perm("procurement.view_tender", is_staff)
rules.add_perm("procurement.decide_complaint", is_procurement_officer)

rules.add_perm("procurement.view_requirement", is_staff)
rules.add_perm("procurement.add_requirement", is_procurement_officer)
