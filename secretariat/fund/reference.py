"""Writes of reference data: capability categories.

A category's lethality decides what the fund's earmarks let its money pay for
(the non-lethal pool never pays for a lethal capability), and its code is how
earmarks, pools and integrators name it. Neither changes while something that
was checked against them is still live: an open commitment, a pool earmarked
for the category, or (told by the workflows that register here) an open tender.
"""

from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from secretariat.fund.models import Commitment, CommitmentStatus, Pool, PoolKind
from secretariat.kernel.edits import edit_record
from secretariat.kernel.exceptions import ConflictError
from secretariat.kernel.models import CapabilityCategory
from secretariat.kernel.services import require_perm

# Fields whose change would undo a check already made against them.
LOCKED_FIELDS = ("lethality", "code")
SHOWN = 5

# Each finder names the live records of a workflow that depend on a category
# (procurement registers its open tenders). The kernel does not import the
# workflows: they register here when their app is ready.
_dependent_finders: list[Callable[[CapabilityCategory], Iterable[str]]] = []


def capability_dependents_register(
    finder: Callable[[CapabilityCategory], Iterable[str]],
) -> None:
    if finder not in _dependent_finders:
        _dependent_finders.append(finder)


def _names(label: str, names: list[str]) -> str:
    shown = ", ".join(names[:SHOWN])
    if len(names) > SHOWN:
        shown += _(" and %(n)d more") % {"n": len(names) - SHOWN}
    return f"{label} {shown}"


def capability_dependents(category: CapabilityCategory) -> list[str]:
    """What depends on the category now, each group named for a person."""
    found = []
    commitments = [
        f"COM-{pk:05d}"
        for pk in Commitment.objects.filter(
            categories=category, status=CommitmentStatus.OPEN
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    ]
    if commitments:
        found.append(_names(_("open commitments"), commitments))
    pools = list(
        Pool.objects.filter(kind=PoolKind.CATEGORIES, categories=category)
        .order_by("name")
        .values_list("name", flat=True)
    )
    if pools:
        found.append(_names(_("pools"), pools))
    for finder in _dependent_finders:
        found.extend(finder(category))
    return found


def capability_change_refusal(
    category: CapabilityCategory, changes: dict
) -> str | None:
    """Why ``changes`` (field → new value) may not be made to the category now,
    or ``None``. The admin's form asks it to show the reason next to the field;
    ``capability_category_change`` asks it again under the row lock."""
    if category.pk is None:
        return None
    locked = [
        field
        for field in LOCKED_FIELDS
        if field in changes and changes[field] != getattr(category, field)
    ]
    if not locked:
        return None
    dependents = capability_dependents(category)
    if not dependents:
        return None
    return _(
        "The %(fields)s of “%(name)s” cannot change while %(dependents)s depend "
        "on it: they were checked against it. Close or cancel them first."
    ) % {
        "fields": _(" and ").join(
            str(CapabilityCategory._meta.get_field(f).verbose_name) for f in locked
        ),
        "name": category.name,
        "dependents": "; ".join(dependents),
    }


def capability_category_change(
    *, category: CapabilityCategory, actor, changes: dict
) -> CapabilityCategory:
    """Change a capability category's fields (``changes``: field → value)."""
    require_perm(actor, "secretariat.change_capabilitycategory")
    unknown = set(changes) - {"name", "code", "lethality", "description", "position"}
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        # The lock makes a tender's publication (which takes it too) wait, or
        # this wait for the publication, so the check below sees it.
        category = CapabilityCategory.objects.select_for_update().get(pk=category.pk)
        refusal = capability_change_refusal(category, changes)
        if refusal:
            locked = [f for f in LOCKED_FIELDS if f in changes]
            raise ConflictError(refusal, field=locked[0])
        before = _category_state(category, changes)
        for field, value in changes.items():
            setattr(category, field, value)
        category.full_clean()
        category.save()
        edit_record(
            subject=category,
            actor=actor,
            action="capability_changed",
            before=before,
            after=_category_state(category, changes),
            labels={
                f: CapabilityCategory._meta.get_field(f).verbose_name for f in changes
            },
            summary=_("%(name)s changed: %(fields)s"),
            summary_args={"name": category.name},
        )
    return category


def _category_state(category, fields) -> dict:
    """The category's changed fields as people read them, old → new."""
    state = {field: getattr(category, field) for field in fields}
    if "lethality" in state:
        state["lethality"] = str(category.get_lethality_display())
    return state
