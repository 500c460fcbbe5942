"""The policy kernel (``secretariat/kernel/policy.py``) and its template tags,
asked through a test-only action declared for the duration of each test: the
secretariat officer may "poke" a member state that is a member; a liaison may
know of it but not do it; a person with no role may not even know of it; a
superuser gets the policy's answer, not Django's blanket yes."""

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.template import Context, Template
from django.test import RequestFactory

from members.models import MemberState, MemberStatus
from secretariat.kernel import policy
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.roles import Role, has_role
from tests.factories import UserFactory

NAME = "test_only_memberstate.poke"
PERM = "members.test_only_poke_memberstate"
SILENT = "test_only_memberstate.whisper"

pytestmark = pytest.mark.django_db


def _poke(user, state):
    if has_role(user, Role.SECRETARIAT_OFFICER):
        if state.status != MemberStatus.MEMBER:
            return policy.not_now(f"{state.name} is not a member yet.")
        return policy.allow()
    if has_role(user, Role.MEMBER_LIAISON, Role.ADMINISTRATOR):
        return policy.refuse("Only the secretariat pokes a member state.")
    return policy.refuse("You hold no role for this.", hidden=True)


def _pokeable(user, queryset):
    if not has_role(user, Role.SECRETARIAT_OFFICER):
        return queryset.none()
    return queryset.filter(status=MemberStatus.MEMBER)


@pytest.fixture
def poke():
    """Declare the test actions, and take them away afterwards so that the
    registry-driven suites never see them."""
    calls = []

    def counted(user, state):
        calls.append(user)
        return _poke(user, state)

    policy.action(NAME, label="Poke", model=MemberState, perm=PERM)(counted)
    policy.queue(NAME)(_pokeable)
    policy.action(SILENT, label="Whisper", model=MemberState)(
        lambda user, state: policy.allow()
    )
    try:
        yield calls
    finally:
        policy.ACTIONS.pop(NAME, None)
        policy.ACTIONS.pop(SILENT, None)
        policy.PERMS.pop(PERM, None)
        if rules.perm_exists(PERM):
            rules.remove_perm(PERM)


@pytest.fixture
def inactive_officer(db):
    return UserFactory(roles=[Role.SECRETARIAT_OFFICER], is_active=False)


def test_allowed_for_the_role_in_the_right_state(poke, people, latvia):
    decision = policy.decide(NAME, people.officer, latvia)
    assert decision.allowed and bool(decision)
    assert decision.as_dict() == {"allowed": True, "reason": ""}
    assert policy.may(NAME, people.officer, latvia)
    policy.require(NAME, people.officer, latvia)  # no refusal


def test_wrong_state_is_a_conflict_with_the_policys_reason(poke, people, japan):
    decision = policy.decide(NAME, people.officer, japan)
    assert not decision.allowed
    assert decision.kind == policy.STATE and not decision.hidden
    with pytest.raises(ConflictError) as refused:
        policy.require(NAME, people.officer, japan)
    assert refused.value.message == "Japan is not a member yet."
    assert refused.value.status_code == 409
    assert isinstance(refused.value, ApplicationError)


def test_a_move_that_leads_nowhere_from_here_is_a_hidden_conflict(people, japan):
    decision = policy.not_now("Japan cannot move from here.", hidden=True)
    assert (decision.allowed, decision.kind, decision.hidden) == (
        False,
        policy.STATE,
        True,
    )
    with pytest.raises(ConflictError, match="cannot move from here"):
        decision.raise_if_refused()
    assert policy.not_now("Later.").hidden is False


def test_wrong_person_is_permission_denied_with_the_policys_reason(
    poke, people, latvia
):
    decision = policy.decide(NAME, people.liaison_lv, latvia)
    assert (decision.allowed, decision.kind, decision.hidden) == (
        False,
        policy.WHO,
        False,
    )
    with pytest.raises(PermissionDenied, match="Only the secretariat pokes"):
        policy.require(NAME, people.liaison_lv, latvia)


def test_people_who_may_not_sign_in_are_refused_without_asking_the_action(
    poke, latvia, inactive_officer
):
    for nobody in [AnonymousUser(), inactive_officer, None]:
        decision = policy.decide(NAME, nobody, latvia)
        assert not decision.allowed and decision.hidden
        assert decision.reason == "Sign in first."
        with pytest.raises(PermissionDenied):
            policy.require(NAME, nobody, latvia)
        assert not policy.pending(NAME, nobody, MemberState.objects.all()).exists()
    assert poke == []


def test_pending_is_the_same_rule_as_a_filter(poke, people, latvia, uk, japan):
    states = MemberState.objects.all()
    for person in [people.officer, people.liaison_lv, people.admin, people.outsider]:
        pending = set(policy.pending(NAME, person, states))
        assert pending == {s for s in states if policy.may(NAME, person, s)}, person
    assert set(policy.pending(NAME, people.officer, states)) == {latvia, uk}


def test_pending_of_an_action_without_a_queue_says_so(poke, people):
    with pytest.raises(LookupError, match="declares no queue"):
        policy.pending(SILENT, people.officer, MemberState.objects.all())


def test_offered_leaves_out_hidden_refusals(poke, people, latvia, japan):
    def shown(person, state, names=None):
        return {
            act.name: decision.allowed
            for act, decision in policy.offered(person, state, names)
            if act.name in {NAME, SILENT}
        }

    assert shown(people.officer, latvia) == {NAME: True, SILENT: True}
    assert shown(people.officer, japan) == {NAME: False, SILENT: True}
    assert shown(people.liaison_lv, latvia) == {NAME: False, SILENT: True}
    assert shown(people.outsider, latvia) == {SILENT: True}
    assert shown(people.officer, latvia, [NAME]) == {NAME: True}
    assert shown(AnonymousUser(), latvia) == {}


def test_actions_of_a_model_or_an_object(poke, latvia):
    names = {a.name for a in policy.actions_of(MemberState)}
    assert {NAME, SILENT} <= names
    assert {a.name for a in policy.actions_of(latvia)} == names
    assert policy.ACTIONS[NAME].verb == "poke"


def test_allowed_actions_for_the_api(poke, people, latvia, japan):
    names = [NAME, SILENT]
    assert policy.allowed_actions(people.officer, japan, names) == {
        "poke": {"allowed": False, "reason": "Japan is not a member yet."},
        "whisper": {"allowed": True, "reason": ""},
    }
    assert policy.allowed_actions(people.outsider, latvia, names) == {
        "whisper": {"allowed": True, "reason": ""}
    }


def test_who_may_picks_the_recipients(poke, people, latvia, japan):
    everyone = list(people.all().values())
    assert policy.who_may(NAME, latvia, everyone) == [people.officer]
    assert policy.who_may(NAME, japan, everyone) == []


def test_has_perm_asks_the_policy(poke, people, latvia, japan):
    assert people.officer.has_perm(PERM, latvia)
    assert not people.officer.has_perm(PERM, japan)
    assert not people.liaison_lv.has_perm(PERM, latvia)
    assert not AnonymousUser().has_perm(PERM, latvia)
    # The rules backend (used by templates' {% has_perm %} and by anonymous
    # users) gives the same answer.
    assert rules.has_perm(PERM, people.officer, latvia)
    assert not rules.has_perm(PERM, people.officer, japan)


def test_a_superuser_gets_the_policys_answer_not_djangos_yes(poke, latvia):
    root = UserFactory(is_superuser=True, is_staff=True)
    assert not root.has_perm(PERM, latvia)
    assert policy.decide(NAME, root, latvia).reason == (
        "Only the secretariat pokes a member state."
    )
    assert not rules.has_perm(PERM, root, latvia)
    # A permission no action declares keeps Django's meaning.
    assert root.has_perm("members.change_memberstate")


def test_an_action_is_declared_once(poke):
    with pytest.raises(ValueError, match="declared twice"):
        policy.action(NAME, label="Poke again")(lambda user, obj: policy.allow())
    assert policy.ACTIONS[NAME].label == "Poke"


def test_first_refusal_stops_at_the_first_and_evaluates_lazily():
    asked = []

    def later():
        asked.append("later")
        return policy.allow()

    first = policy.refuse("No.")
    assert policy.first_refusal(policy.allow(), first, later) is first
    assert asked == []
    assert policy.first_refusal(policy.allow(), later) == policy.ALLOWED
    assert asked == ["later"]


# ------------------------------------------------------------ template tags


def _render(user, source, **extra):
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load policy %}" + source)
    return template.render(Context({"request": request, **extra})).strip()


BUTTON = '{% decide "' + NAME + '" state as d %}{% action_button d "Poke" url method %}'


def test_button_enabled_as_a_link_or_a_form(poke, people, latvia):
    link = _render(people.officer, BUTTON, state=latvia, url="/poke/", method="get")
    assert link == '<a class="button " href="/poke/">Poke</a>'
    form = _render(people.officer, BUTTON, state=latvia, url="/poke/", method="post")
    assert '<form method="post" action="/poke/"' in form
    assert '<button type="submit" class="button ">Poke</button>' in form
    assert "disabled" not in form


def test_button_disabled_with_the_reason(poke, people, japan):
    html = _render(people.officer, BUTTON, state=japan, url="/poke/", method="post")
    assert "disabled" in html and "href" not in html and "<form" not in html
    assert 'aria-describedby="why-poke"' in html
    assert '<small class="why" id="why-poke">Japan is not a member yet.</small>' in html


def test_button_of_a_hidden_refusal_is_absent(poke, people, latvia):
    assert _render(people.outsider, BUTTON, state=latvia, url="/x/", method="get") == ""
    assert _render(AnonymousUser(), BUTTON, state=latvia, url="/x/", method="get") == ""


def test_button_reason_is_escaped(poke, people):
    state = MemberState(country="XX", name="<b>Nowhere</b>", status="prospective")
    html = _render(people.officer, BUTTON, state=state, url="/x/", method="get")
    assert "&lt;b&gt;Nowhere&lt;/b&gt; is not a member yet." in html


def test_the_api_answers_a_refusal_with_its_status_and_the_policys_reason(
    poke, people, latvia, japan
):
    from secretariat.api import exception_handler

    def answer(user, state):
        try:
            policy.require(NAME, user, state)
        except Exception as exc:  # noqa: BLE001 - the handler's input
            response = exception_handler(exc, {})
            return response.status_code, str(response.data["detail"])
        return None

    assert answer(people.officer, japan) == (409, "Japan is not a member yet.")
    assert answer(people.liaison_lv, latvia) == (
        403,
        "Only the secretariat pokes a member state.",
    )
    assert answer(people.officer, latvia) is None
