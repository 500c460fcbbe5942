"""Who may read and act on member states, onboarding cases, pledges and
contributions. Secretariat staff read every state; a member liaison reads and
acts for their own state only."""

import rules

from members.models import (
    Contribution,
    MemberState,
    OnboardingCase,
    OnboardingStep,
    Pledge,
)
from secretariat.rules import (
    is_finance_officer,
    is_liaison,
    is_secretariat_officer,
    is_staff,
)


def member_state_id_of(obj):
    if isinstance(obj, MemberState):
        return obj.pk
    if isinstance(obj, OnboardingCase | Pledge):
        return obj.member_state_id
    if isinstance(obj, OnboardingStep):
        return obj.onboarding.member_state_id
    if isinstance(obj, Contribution):
        return obj.pledge.member_state_id
    return None


@rules.predicate
def is_liaison_of_state(user, obj):
    """A liaison acting on their own state's record (or, with no record given,
    on the list of their state's records)."""
    if not is_liaison(user) or user.member_state_id is None:
        return False
    if obj is None:
        return True
    return member_state_id_of(obj) == user.member_state_id


can_read = is_staff | is_liaison_of_state

rules.add_perm("members.view_memberstate", can_read)
rules.add_perm("members.transition_memberstate", is_secretariat_officer)
rules.add_perm("members.change_constraints", is_secretariat_officer)
rules.add_perm("members.invite_liaison", is_secretariat_officer)

rules.add_perm("members.view_onboardingcase", can_read)
rules.add_perm("members.manage_onboardingcase", is_secretariat_officer)
rules.add_perm(
    "members.upload_onboarding_document", is_secretariat_officer | is_liaison_of_state
)
rules.add_perm("members.view_onboardingstep", can_read)

rules.add_perm("members.view_pledge", can_read)
rules.add_perm(
    "members.add_pledge",
    is_secretariat_officer | is_finance_officer | is_liaison_of_state,
)
rules.add_perm("members.cancel_pledge", is_secretariat_officer | is_finance_officer)

rules.add_perm("members.view_contribution", can_read)
rules.add_perm("members.add_contribution", is_finance_officer)
