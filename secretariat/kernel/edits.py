"""What an edit changed, on the timeline: each changed field from its old value
to its new one ("title: Recon drones → Reconnaissance drones"), written as the
pages write them (days and moments in the project's formats, money with its
currency), so that the history reads without opening the record.

A service takes the record's fields as they stand before and after the edit
(``before`` and ``after``: name → value, the same names) and calls
``edit_record``; only the fields whose shown value changed are recorded."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from secretariat.kernel.formatting import day_text, money, when_text
from secretariat.kernel.services import timeline_record

NOTHING = "—"
LONG_TEXT = 80


def shown(value) -> str:
    """A field's value as people read it: a moment in the current time zone,
    named (the text is read later by people in other zones), a day, money with
    its currency, a list joined, an empty value as a dash."""
    if value is None or value == "":
        return NOTHING
    if hasattr(value, "amount") and hasattr(value, "currency"):
        return money(value)
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            return _("%(moment)s (%(zone)s)") % {
                "moment": when_text(value),
                "zone": timezone.get_current_timezone_name(),
            }
        return when_text(value)
    if isinstance(value, date):
        return day_text(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(shown(item) for item in value) or NOTHING
    # A long text (a description, a specification) is quoted by its start: the
    # record itself holds the whole of it.
    return Truncator(str(value)).chars(LONG_TEXT)


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.label}: {self.old} → {self.new}"


def changes(
    before: Mapping[str, object],
    after: Mapping[str, object],
    labels: Mapping[str, object] | None = None,
) -> list[Change]:
    """The fields whose value changed, in ``before``'s order, labelled by
    ``labels`` (the field's name otherwise). Values are compared as given, so
    give them comparable (a list sorted, an amount as a Decimal); a change too
    small to show (a deadline's seconds, which the forms do not take) is not
    one, except in a text, which is shown by its start only."""
    labels = labels or {}
    found = []
    for name, old in before.items():
        new = after[name]
        if old == new:
            continue
        old_text, new_text = shown(old), shown(new)
        if old_text == new_text and not isinstance(new, str):
            continue
        found.append(Change(str(labels.get(name, name)), old_text, new_text))
    return found


def changes_text(found: list[Change]) -> str:
    """One line per changed field: "label: old → new"."""
    return "\n".join(str(change) for change in found)


def edit_record(
    *,
    subject,
    actor,
    before: Mapping[str, object],
    after: Mapping[str, object],
    labels: Mapping[str, object] | None = None,
    summary: str,
    summary_args: Mapping[str, object] | None = None,
    case=None,
    action: str = "edited",
):
    """Record an edit on the timeline, if it changed anything: the description
    is ``summary`` with ``%(fields)s`` the changed fields' labels ("Draft
    edited: title, bids until"; ``summary_args`` fill its other
    placeholders), the event's text below it each field's old → new value.
    Returns the event, or ``None`` when nothing changed."""
    found = changes(before, after, labels)
    if not found:
        return None
    return timeline_record(
        subject=subject,
        case=case,
        actor=actor,
        action=action,
        description=summary
        % {**(summary_args or {}), "fields": ", ".join(c.label for c in found)},
        reason=changes_text(found),
    )
