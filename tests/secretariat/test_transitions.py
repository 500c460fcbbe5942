"""One routine moves every lifecycle: ``secretariat.kernel.services.transition``
over each model's ``workflow`` table.

The routine's promises are tested on a tender (its case follows it); that every
model with a lifecycle declares a table, and that no code outside the routine
writes a lifecycle's status, is read from the models and the source."""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import transaction

from procurement.models import Tender, TenderStatus
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.models import TimelineEvent
from secretariat.kernel.services import transition
from secretariat.kernel.workflow import Workflow
from tests.conftest import refresh
from tests.procurement.helpers import draft_tender

pytestmark = pytest.mark.django_db

T = TenderStatus

# Every model with a lifecycle. A new one declares its table and joins here.
LIFECYCLES = {
    "members.MemberState",
    "members.Pledge",
    "procurement.Manufacturer",
    "procurement.Requirement",
    "procurement.Tender",
    "procurement.Bid",
    "procurement.Award",
    "procurement.Complaint",
    "procurement.Contract",
    "procurement.Delivery",
    "procurement.Discrepancy",
    "secretariat.Commitment",
    "secretariat.DisbursementRequest",
    "secretariat.Adjustment",
    "secretariat.StatementLine",
    "secretariat.RoleGrant",
}


def _models_with_a_workflow():
    return {
        m._meta.label: m
        for m in apps.get_models()
        if isinstance(getattr(m, "workflow", None), Workflow)
    }


def test_every_lifecycle_declares_its_table():
    assert set(_models_with_a_workflow()) == LIFECYCLES


@pytest.mark.parametrize("label", sorted(LIFECYCLES))
def test_each_table_names_statuses_of_its_field_and_reaches_them_all(label):
    model = apps.get_model(label)
    workflow = model.workflow
    field = model._meta.get_field(workflow.status_field)
    choices = {value for value, _label in field.choices}
    assert set(workflow.labels) == choices
    for source, target, button in workflow.edges():
        assert source in choices and target in choices and button
    # Every status is where objects start or a move leads to: no dead entry.
    reached = {field.default} | {target for _s, target, _b in workflow.edges()}
    assert choices - reached <= _STARTING_STATUSES.get(label, set()), label
    if workflow.case:
        # The path to the case is made of the model's relations.
        first = workflow.case.split(".")[0]
        assert model._meta.get_field(first).is_relation


# Statuses an object may be created in besides its field's default (a bid
# arrives submitted; a statement line is classified as it is imported).
_STARTING_STATUSES = {
    "secretariat.StatementLine": {"unmatched", "matched", "mismatched"},
}


def test_an_allowed_move_changes_the_status_mirrors_the_case_and_records_it(people):
    tender = draft_tender(people)
    with transaction.atomic():
        event = transition(
            tender, to=T.CANCELLED, actor=people.procurement, reason="Withdrawn need"
        )
    tender = refresh(tender)
    assert tender.status == T.CANCELLED
    assert tender.case.status == T.CANCELLED
    assert tender.case.closed_at is not None  # cancelled closes the case
    assert (event.from_status, event.to_status) == (T.DRAFT, T.CANCELLED)
    assert event.actor == people.procurement
    assert event.reason == "Withdrawn need"
    assert event.case == tender.case
    assert event.action == "status_changed"
    assert tender.case.reference in event.description
    assert "Draft" in event.description and "Cancelled" in event.description


def test_a_move_the_table_does_not_allow_changes_nothing(people):
    tender = draft_tender(people)
    before = TimelineEvent.objects.count()
    with pytest.raises(ConflictError) as refused, transaction.atomic():
        transition(tender, to=T.AWARDED, actor=people.procurement)
    message = str(refused.value)
    assert "cannot move from “Draft” to “Awarded (standstill)”" in message
    assert "Possible next steps: Published (clarifications), Cancelled." in message
    assert refresh(tender).status == T.DRAFT
    assert TimelineEvent.objects.count() == before


def test_an_unknown_status_is_named_as_such(people):
    tender = draft_tender(people)
    with pytest.raises(ApplicationError) as refused, transaction.atomic():
        transition(tender, to="shipped", actor=people.procurement, field="to")
    assert "“shipped” is not a status of" in str(refused.value)
    assert refused.value.field == "to"


def test_a_stale_object_is_moved_from_what_the_database_holds(people):
    """Someone cancelled the tender after this copy was read: the routine reads
    the locked row, refuses the move and names who got there first."""
    stale = draft_tender(people)
    with transaction.atomic():
        transition(Tender.objects.get(pk=stale.pk), to=T.CANCELLED, actor=people.admin)
    assert stale.status == T.DRAFT
    with pytest.raises(ConflictError) as refused, transaction.atomic():
        transition(stale, to=T.PUBLISHED, actor=people.procurement)
    message = str(refused.value)
    assert "cannot move from “Cancelled” to “Published (clarifications)”" in message
    assert str(people.admin) in message
    assert refresh(stale).status == T.CANCELLED


def test_the_same_move_twice_says_who_made_it(people):
    tender = draft_tender(people)
    with transaction.atomic():
        transition(tender, to=T.CANCELLED, actor=people.admin, reason="x")
    with pytest.raises(ConflictError) as refused, transaction.atomic():
        transition(Tender.objects.get(pk=tender.pk), to=T.CANCELLED, actor=people.admin)
    assert "was already moved to “Cancelled” by" in str(refused.value)


def test_fields_set_for_the_move_are_saved_with_it_and_the_stamp_is_set(people, japan):
    from members.models import MemberStatus

    japan.constraint_notes = "Non-lethal only, per the invitation"
    with transaction.atomic():
        transition(
            japan,
            to=MemberStatus.INVITED,
            actor=people.officer,
            also=("constraint_notes",),
        )
    japan = refresh(japan)
    assert japan.status == MemberStatus.INVITED
    assert japan.constraint_notes == "Non-lethal only, per the invitation"
    assert japan.status_changed_at is not None


# --- Nothing but the routine writes a lifecycle's status ---------------------

BASE = Path(settings.BASE_DIR)
SOURCES = ("secretariat", "members", "procurement")
# Statuses that are not a workflow's: a notification's delivery attempt and a
# report's job (technical states, no table), and the case, whose status mirrors
# its object's (``case_set_status``, called by the routine).
NOT_LIFECYCLES = {
    "secretariat/notifications/services.py",
    "secretariat/reports/services.py",
}
EXCEPTIONS = {
    # The routine itself.
    ("secretariat/kernel/services.py", "transition"),
    # The case's status is its object's, written when the object moves.
    ("secretariat/kernel/services.py", "case_set_status"),
    # Loading a hundred times today's data writes rows in bulk, not moves.
    ("secretariat/management/commands/seed_scale.py", None),
}
STATUS_FIELDS = {"status", "vetting_status"}


def _writes_of_a_status(tree):
    """(function, line) of each ``x.status = ...`` and ``.update(status=...)``."""
    found = []

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            name = function
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = child.name
            if isinstance(child, ast.Assign | ast.AugAssign | ast.AnnAssign):
                targets = (
                    child.targets if isinstance(child, ast.Assign) else [child.target]
                )
                for target in targets:
                    if (
                        isinstance(target, ast.Attribute)
                        and target.attr in STATUS_FIELDS
                    ):
                        found.append((name, child.lineno))
            if (
                isinstance(child, ast.Call)
                and isinstance(child.func, ast.Attribute)
                and child.func.attr in {"update", "bulk_update"}
                and any(k.arg in STATUS_FIELDS for k in child.keywords)
            ):
                found.append((name, child.lineno))
            if (
                isinstance(child, ast.Call)
                and isinstance(child.func, ast.Name)
                and child.func.id == "setattr"
                and isinstance(child.args[1], ast.Constant)
                and child.args[1].value in STATUS_FIELDS
            ):
                found.append((name, child.lineno))
            visit(child, name)

    visit(tree, None)
    return found


def test_no_code_but_the_routine_writes_a_lifecycle_status():
    offenders = []
    for root in SOURCES:
        for path in sorted((BASE / root).rglob("*.py")):
            relative = path.relative_to(BASE).as_posix()
            if "/migrations/" in relative or relative in NOT_LIFECYCLES:
                continue
            tree = ast.parse(path.read_text(), filename=relative)
            for function, line in _writes_of_a_status(tree):
                if (relative, function) in EXCEPTIONS or (
                    relative,
                    None,
                ) in EXCEPTIONS:
                    continue
                offenders.append(f"{relative}:{line} in {function}")
    assert offenders == []
