"""One thing done to many rows of a list at once: mark these notifications
read, submit these drafts.

Nothing here decides. The page ticks a box only on the rows where the policy
lets the person take the action (``bulk_offer``); the form sends the ticked
ids back to the list's own address; ``bulk_apply`` reads those rows through the
list's own queryset (scoped to the person: an id they may not see is not
found), and hands each to the action's service, which asks the policy again
under its lock and does the work. What was done and what was refused, with
the policy's reason, is told on the list, filters kept.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from secretariat.kernel import policy, signals
from secretariat.kernel.exceptions import ApplicationError

# More rows than any page shows: a form that sends more was not made by one.
MAX_SELECTED = 200
# The largest id the database holds (a bigger one is no row of ours).
MAX_ID = 2**63 - 1
# Refusals told one by one; beyond, how many more.
MAX_REASONS = 5


@dataclass(frozen=True)
class BulkAction:
    """``name`` is the policy's action, which decides each row; ``perform`` calls
    the service for one row, ``perform(row, actor)``; ``done`` is an
    ``ngettext_lazy`` of ``%(count)s`` keyed on ``"n"`` ("%(count)s request
    submitted.")."""

    name: str
    perform: Callable[[object, object], object]
    done: object

    @property
    def label(self) -> str:
        return policy.ACTIONS[self.name].label


def bulk_offer(user, rows: Iterable, actions: Sequence[BulkAction]) -> list:
    """Mark each row of a page with the names of the actions the policy lets
    ``user`` take on it now (``row.bulk``); the actions that at least one row
    allows, for the page's buttons."""
    offered = set()
    for row in rows:
        row.bulk = [a.name for a in actions if policy.may(a.name, user, row)]
        offered.update(row.bulk)
    return [a for a in actions if a.name in offered]


def selected_ids(request) -> list[int]:
    ids = []
    for value in request.POST.getlist("id"):
        # ASCII digits only, and no more than an id can have.
        if not (value.isascii() and value.isdigit()) or len(value) > 19:
            continue
        if int(value) <= MAX_ID and int(value) not in ids:
            ids.append(int(value))
    return ids


def bulk_apply(request, queryset, actions: Sequence[BulkAction]):
    """Do the posted ``action`` to each selected row of ``queryset`` (the list's
    own, scoped to the person) through its service; back to the list."""
    chosen = {a.name: a for a in actions}.get(request.POST.get("action", ""))
    ids = selected_ids(request)
    if chosen is None or len(ids) > MAX_SELECTED:
        return HttpResponseBadRequest(_("Choose an action for the selected rows."))
    back = redirect(request.get_full_path())
    if not ids:
        messages.warning(request, _("Select at least one row first."))
        return back
    done, refused = 0, []
    for row in queryset.filter(pk__in=ids):
        try:
            chosen.perform(row, request.user)
        except (ApplicationError, PermissionDenied) as exc:
            reason = str(getattr(exc, "message", "") or exc)
            signals.refused.send(sender=None, message=reason, request=request)
            refused.append(reason)
        else:
            done += 1
    if done:
        messages.success(
            request,
            chosen.done
            % {"n": done, "count": number_format(done, force_grouping=True)},
        )
    for reason in refused[:MAX_REASONS]:
        messages.error(request, reason)
    if len(refused) > MAX_REASONS:
        more = len(refused) - MAX_REASONS
        messages.error(
            request,
            ngettext(
                "%(count)d more was refused.", "%(count)d more were refused.", more
            )
            % {"count": more},
        )
    missing = len(ids) - done - len(refused)
    if missing:
        # Gone since the page was shown, or never the person's to see: either
        # way there is nothing to say about them.
        messages.warning(
            request,
            ngettext(
                "%(count)d of the selected rows is no longer in this list.",
                "%(count)d of the selected rows are no longer in this list.",
                missing,
            )
            % {"count": missing},
        )
    return back
