"""Who may read member states, onboarding cases, pledges and contributions.
Secretariat staff read every state; a member liaison reads their own state's
records only."""

import rules

from members.models import (
    Contribution,
    MemberState,
    OnboardingCase,
    OnboardingStep,
    Pledge,
)
from secretariat.kernel.rules import is_liaison, is_staff


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

# Reading only: every action on these records (and its Django permission) is
# declared in ``members/policy.py``.
rules.add_perm("members.view_memberstate", can_read)
rules.add_perm("members.view_onboardingcase", can_read)
rules.add_perm("members.view_onboardingstep", can_read)
rules.add_perm("members.view_pledge", can_read)
rules.add_perm("members.view_contribution", can_read)
