"""A model's lifecycle, declared in one place.

Each model with a status declares its ``workflow``: the table of allowed moves
(from → {to: the move's button label}), the field that holds the status, the
case whose timeline records the moves and, where the case follows the object's
status (a tender, a disbursement request), which statuses close it. The one
routine that moves any object, ``secretariat.kernel.services.transition``,
reads it; so do the policies (a move the table does not allow is refused with
the table's words) and the pages (the buttons of the moves from here).

This module imports nothing of the application, so that every app's models can
declare their workflow beside their status choices.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from operator import attrgetter

from django.utils import timezone


@dataclass(frozen=True)
class Workflow:
    moves: Mapping[str, Mapping[str, str]]
    labels: Mapping[str, str]
    # The field holding the status.
    status_field: str = "status"
    # The dotted path from the object to the case whose timeline records its
    # moves ("case", "lot.tender.case"), or None.
    case: str | None = None
    # Whether the case's own status follows the object's (the case is the
    # object's file), and the statuses that close it.
    mirrored: bool = False
    closes: frozenset[str] = field(default_factory=frozenset)
    # The dotted path to how refusals name the object; ``str(obj)`` if None.
    named_by: str | None = None
    # A field stamped with the time of each move, if the model keeps one.
    stamp: str | None = None
    # The object's field holding each status's deadline: the case is due then,
    # and a status without one leaves the case with no due date (nothing is
    # "overdue" against a deadline already met). Empty: the routine leaves the
    # case's due date alone.
    due: Mapping[str, str] = field(default_factory=dict)
    # Whether moves are written to the timeline. A sealed bid's are not: its
    # own append-only trail (``BidEvent``) records them, and a timeline row
    # would tell who may read timelines that a bid exists before opening.
    timeline: bool = True

    def __post_init__(self):
        unknown = {
            status
            for source, targets in self.moves.items()
            for status in (source, *targets)
            if status not in self.labels
        }
        if unknown:
            raise ValueError(f"statuses without a label: {sorted(unknown)}")

    def allows(self, current: str, target: str) -> bool:
        return target in self.moves.get(current, {})

    def next_moves(self, current: str) -> Mapping[str, str]:
        """The moves from ``current``: target → button label."""
        return self.moves.get(current, {})

    def sources(self, target: str) -> frozenset[str]:
        """The statuses from which a move to ``target`` is allowed (a queue's
        filter: everything that may still move there)."""
        return frozenset(s for s, targets in self.moves.items() if target in targets)

    def final(self) -> frozenset[str]:
        """The statuses with no move out."""
        return frozenset(s for s in self.labels if not self.moves.get(s))

    def status_of(self, obj) -> str:
        return getattr(obj, self.status_field)

    def case_of(self, obj):
        return attrgetter(self.case)(obj) if self.case else None

    def due_date(self, obj, status: str | None = None):
        """The day the object's case is due in ``status`` (its current one by
        default), or None."""
        deadline = self.due.get(status or self.status_of(obj))
        value = getattr(obj, deadline) if deadline else None
        return timezone.localdate(value) if value else None

    def name_of(self, obj) -> str:
        return str(attrgetter(self.named_by)(obj) if self.named_by else obj)

    def edges(self) -> list[tuple[str, str, str]]:
        """(from, to, label) for every move, in the table's order: for drawing
        the lifecycle and for the tests that walk it."""
        return [
            (source, target, str(label))
            for source, targets in self.moves.items()
            for target, label in targets.items()
        ]
