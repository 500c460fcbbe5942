"""One answer to "may this person do this, to this object, now, and if not,
why?".

Every action a person can take on an object is declared once, with
``@action("<model>.<verb>", ...)`` on a function ``(user, obj) -> Decision``.
The function decides everything: the role, the object's state, separation of
duties, conflicts of interest, deadlines and superusers (see ``roles``: a
superuser holds the Administrator role in the workflows and nothing more, so
it never bids, approves or scores). Where a queue needs it, ``@queue(name)``
gives the same rule as a queryset filter ("everything this person may act on
now").

What a refusal shows, the same everywhere:
- ``hidden`` when the person holds no role for the action at all, when the
  object is not theirs to know of, or when the move does not exist from the
  object's current state (no "Reconcile" on a draft, no "Publish" on a
  published tender): pages and the API leave the action out;
- shown disabled with the reason (``refuse`` / ``not_now`` without
  ``hidden``) when the person could take this action on this object but not
  now, or not they in particular: separation of duties, a conflict, a deadline,
  something still missing ("Add at least one lot before publishing.").

Everything else asks, nothing re-decides:
- services call ``require(name, actor, obj)`` inside their lock; it raises
  ``PermissionDenied`` (who you are) or ``ConflictError`` (the object's state)
  with the policy's reason;
- pages show each action enabled, or disabled with its reason, from
  ``offered(user, obj)`` or the ``{% decide %}`` tag; a hidden refusal (the
  person may not even know of the action) is not shown at all;
- "My work", landing pages and notification recipients use ``pending``;
- the API returns ``allowed_actions(user, obj)`` on each object;
- ``user.has_perm(perm, obj)`` for a permission an action declares asks the
  action (``secretariat.accounts.models.User.has_perm``), superusers included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import rules
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.utils.functional import Promise

from secretariat.kernel.exceptions import ConflictError

# Why an action is refused: who the person is (403), or the object's state or
# a rule of the workflow (409).
WHO = "who"
STATE = "state"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""
    kind: str = WHO
    # The person may not even know the action exists (another company's bid, a
    # role they do not hold): pages leave it out instead of showing it
    # disabled.
    hidden: bool = False

    def __bool__(self) -> bool:
        return self.allowed

    def as_dict(self) -> dict:
        return {"allowed": self.allowed, "reason": str(self.reason or "")}

    def raise_if_refused(self) -> None:
        if self.allowed:
            return
        if self.kind == STATE:
            raise ConflictError(str(self.reason))
        raise PermissionDenied(str(self.reason))


ALLOWED = Decision(True)


def allow() -> Decision:
    return ALLOWED


def refuse(reason: str | Promise, *, hidden: bool = False) -> Decision:
    """Refused because of who the person is (role, ownership, duties)."""
    return Decision(False, str(reason), WHO, hidden)


def not_now(reason: str | Promise, *, hidden: bool = False) -> Decision:
    """Refused because of the object's state now (status, deadline, what is
    still missing): the person would be allowed at another time. ``hidden``
    when the move does not lead anywhere from the object's state at all (a
    page lists the moves its transition table allows from here, not every
    other one, disabled)."""
    return Decision(False, str(reason), STATE, hidden)


def first_refusal(*decisions: Decision | Callable[[], Decision]) -> Decision:
    """The first refusal among the checks, in order (callables are evaluated
    lazily, so a later check may assume the earlier ones passed)."""
    for item in decisions:
        decision = item() if callable(item) else item
        if not decision:
            return decision
    return ALLOWED


@dataclass
class Action:
    name: str
    label: str
    check: Callable
    model: type[Model] | None = None
    perm: str | None = None
    queue: Callable[[object, QuerySet], QuerySet] | None = field(default=None)
    # What "My work" says awaits the person, if not the label: a text, or a
    # function of the object (e.g. the onboarding step's own name).
    work_label: str | Callable[[object], str] | None = None
    # Whether the queue is a to-do (shown on My work, the landing pages), or
    # only what the person could do (release a commitment, nominate a
    # manufacturer), which awaits nobody.
    my_work: bool = True

    def work_text(self, obj) -> str:
        label = self.work_label or self.label
        return str(label(obj) if callable(label) else label)

    @property
    def verb(self) -> str:
        return self.name.rpartition(".")[2]


ACTIONS: dict[str, Action] = {}
# Django permission name -> action name, for ``User.has_perm``.
PERMS: dict[str, str] = {}


def action(
    name: str,
    *,
    label: str | Promise,
    model: type[Model] | None = None,
    perm: str | None = None,
    work_label: str | Promise | Callable[[object], str] | None = None,
):
    """Declare the policy of one action. ``perm``, if given, is the Django
    permission the templates and ``has_perm`` use for it; ``work_label`` what
    "My work" calls the task, if not ``label``."""

    def register(check):
        if name in ACTIONS:
            raise ValueError(f"The action {name!r} is declared twice.")
        ACTIONS[name] = Action(name, label, check, model, perm, work_label=work_label)
        if perm:
            PERMS[perm] = name
            rules.set_perm(
                perm, rules.Predicate(lambda user, obj=None: decide(name, user, obj))
            )
        return check

    return register


def queue(name: str, *, my_work: bool = True):
    """Declare the queryset form of an action's rule: the objects of a
    queryset of the action's model that ``user`` may act on now. They await
    the person (My work, the landing page) unless ``my_work=False``: a queue of
    what one could do but nobody waits for."""

    def register(filter_):
        ACTIONS[name].queue = filter_
        ACTIONS[name].my_work = my_work
        return filter_

    return register


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


NOT_SIGNED_IN = refuse("Sign in first.", hidden=True)


def decide(name: str, user, obj=None) -> Decision:
    """The policy's answer for ``user`` and ``obj`` now."""
    if not _signed_in(user):
        return NOT_SIGNED_IN
    return ACTIONS[name].check(user, obj)


def may(name: str, user, obj=None) -> bool:
    return decide(name, user, obj).allowed


def require(name: str, user, obj=None) -> None:
    """Refuse with the policy's reason: ``PermissionDenied`` for who the person
    is, ``ConflictError`` for the object's state."""
    decide(name, user, obj).raise_if_refused()


def pending(name: str, user, queryset: QuerySet) -> QuerySet:
    """The objects of ``queryset`` that ``user`` may act on now by ``name``."""
    if not _signed_in(user):
        return queryset.none()
    filter_ = ACTIONS[name].queue
    if filter_ is None:
        raise LookupError(f"The action {name!r} declares no queue.")
    return filter_(user, queryset)


def actions_of(model_or_obj) -> list[Action]:
    model = model_or_obj if isinstance(model_or_obj, type) else type(model_or_obj)
    model = getattr(model._meta, "concrete_model", model)
    return [a for a in ACTIONS.values() if a.model is model]


def offered(
    user, obj, names: Iterable[str] | None = None
) -> list[tuple[Action, Decision]]:
    """The actions to show on ``obj``'s page: allowed ones and those refused
    with a reason the person may know; hidden refusals are left out."""
    chosen = actions_of(obj) if names is None else [ACTIONS[n] for n in names]
    shown = []
    for act in chosen:
        decision = decide(act.name, user, obj)
        if not decision.hidden:
            shown.append((act, decision))
    return shown


def allowed_actions(user, obj, names: Iterable[str] | None = None) -> dict:
    """For the API: each action the caller may know of, whether they may take it
    now and, if not, why."""
    return {act.verb: decision.as_dict() for act, decision in offered(user, obj, names)}


def who_may(name: str, obj, people: Iterable) -> list:
    """The people among ``people`` whom the policy lets act on ``obj`` now: the
    recipients of a notification that asks them to."""
    return [person for person in people if may(name, person, obj)]
