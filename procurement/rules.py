"""Who may read and act on requirements and manufacturers.

Staff read every manufacturer; a member liaison reads and nominates their own
state's; a manufacturer representative reads and declares for their own company
only. Requirements of Ukraine's Armed Forces are for staff and Ukraine's end
users. Who may act on requirements, manufacturers and tenders is decided by
``procurement.policy``."""

import rules

from procurement.models import Manufacturer
from secretariat.kernel.rules import (
    is_evaluator,
    is_liaison,
    is_manufacturer_representative,
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
# Where the Coalition pays the company: the secretariat and the company itself,
# not the liaisons of its state.
rules.add_perm("procurement.view_bank_account", is_staff | represents)

rules.add_perm("procurement.view_tender", is_staff)


# Every requirement is Ukraine's: its end users read them all (and act on
# their own units', ``procurement.policy.requirements``).
@rules.predicate
def is_front_user(user):
    from procurement.policy.requirements import is_front_user as front

    return front(user)


rules.add_perm("procurement.view_requirement", is_staff | is_front_user)


# The web pages. A liaison and a manufacturer's representative read published
# tenders (the selector decides which); evaluators work from their own queue.
@rules.predicate
def acts_for_a_state(user):
    return is_liaison(user) and user.member_state_id is not None


@rules.predicate
def acts_for_a_company(user):
    return is_manufacturer_representative(user) and user.manufacturer_id is not None


rules.add_perm(
    "procurement.list_tenders", is_staff | acts_for_a_state | acts_for_a_company
)
# procurement.evaluate and procurement.submit_bid: the policies scoresheet.score
# and bid.submit (procurement/policy/).


@rules.predicate
def represents_contractor(user, contract):
    if not is_manufacturer_representative(user) or user.manufacturer_id is None:
        return False
    return contract is None or contract.manufacturer_id == user.manufacturer_id


rules.add_perm("procurement.view_contract", is_staff | represents_contractor)

# --- used by the API: who may list bids (the selector decides which: a
# representative their company's, staff and declared evaluators opened ones),
# evaluation committees (staff, and evaluators their own seats) and complaints.
rules.add_perm(
    "procurement.view_bid", is_staff | is_manufacturer_representative | is_evaluator
)
rules.add_perm("procurement.view_committee", is_staff | is_evaluator)
rules.add_perm("procurement.view_complaint", is_staff | is_manufacturer_representative)
