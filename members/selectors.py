"""Reads of member records, already scoped to what the user may see.

Anything outside a user's scope is simply absent, so "not yours" and "does not
exist" both answer 404.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q, QuerySet

from members.models import (
    Contribution,
    MemberState,
    OnboardingCase,
    OnboardingStep,
    Pledge,
)
from secretariat.kernel import selectors as kernel_selectors
from secretariat.kernel.models import Attachment, TimelineEvent
from secretariat.kernel.roles import Role, has_role, is_staff_reader


def _visible_state_filter(user, field: str) -> Q | None:
    """``None`` means every state; an empty ``Q(pk__in=[])`` means none."""
    if is_staff_reader(user):
        return None
    if has_role(user, Role.MEMBER_LIAISON) and user.member_state_id:
        return Q(**{field: user.member_state_id})
    return Q(pk__in=[])


def _scoped(queryset: QuerySet, user, field: str) -> QuerySet:
    condition = _visible_state_filter(user, field)
    return queryset if condition is None else queryset.filter(condition)


def member_states_for(user) -> QuerySet[MemberState]:
    return _scoped(MemberState.objects.all(), user, "pk")


def onboarding_cases_for(user) -> QuerySet[OnboardingCase]:
    return _scoped(
        OnboardingCase.objects.select_related("case", "case__owner", "member_state"),
        user,
        "member_state_id",
    )


def onboarding_steps_for(user) -> QuerySet[OnboardingStep]:
    return _scoped(
        OnboardingStep.objects.select_related(
            "onboarding__case", "onboarding__member_state", "owner", "document"
        ),
        user,
        "onboarding__member_state_id",
    )


def pledges_for(user) -> QuerySet[Pledge]:
    return _scoped(
        Pledge.objects.select_related("member_state").prefetch_related(
            "earmark_categories"
        ),
        user,
        "member_state_id",
    )


def contributions_for(user) -> QuerySet[Contribution]:
    return _scoped(
        Contribution.objects.select_related("pledge", "pledge__member_state"),
        user,
        "pledge__member_state_id",
    )


def onboarding_case_detail(onboarding: OnboardingCase) -> OnboardingCase:
    """Load everything the case page shows in a fixed number of queries."""
    steps = OnboardingStep.objects.select_related(
        "owner", "completed_by", "document"
    ).order_by("position")
    return (
        OnboardingCase.objects.select_related("case", "case__owner", "member_state")
        .prefetch_related(Prefetch("steps", queryset=steps))
        .get(pk=onboarding.pk)
    )


def member_timeline(member_state: MemberState) -> QuerySet[TimelineEvent]:
    """The state's own events, its pledges' (their moves) and those of its
    onboarding cases."""
    member_type = ContentType.objects.get_for_model(MemberState)
    pledge_type = ContentType.objects.get_for_model(Pledge)
    # The ids first: an OR across a join made PostgreSQL walk the whole
    # timeline in date order; with lists, it combines the indexes.
    case_ids = list(
        OnboardingCase.objects.filter(member_state=member_state).values_list(
            "case_id", flat=True
        )
    )
    pledge_ids = list(
        Pledge.objects.filter(member_state=member_state).values_list("pk", flat=True)
    )
    return (
        TimelineEvent.objects.filter(
            Q(subject_type=member_type, subject_id=member_state.pk)
            | Q(subject_type=pledge_type, subject_id__in=pledge_ids)
            | Q(case_id__in=case_ids)
        )
        .select_related("actor", "evidence", "case")
        .order_by("-occurred_at", "-id")
    )


def case_timeline(case) -> QuerySet[TimelineEvent]:
    return kernel_selectors.case_timeline(case)


def case_documents(case) -> QuerySet[Attachment]:
    return Attachment.objects.filter(case=case).select_related("uploaded_by")


def open_steps_of(onboarding: OnboardingCase) -> QuerySet[OnboardingStep]:
    return onboarding.steps.filter(completed_at__isnull=True, required=True)
