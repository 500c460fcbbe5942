"""Reads of the read side: what awaits each person (My work), and the reports a
person may read."""

from dataclasses import dataclass
from datetime import date

from django.db.models import F, Q


@dataclass(frozen=True)
class WorkItem:
    reference: str
    title: str
    what: str
    due_date: date | None
    url: str


def work_items_for(user) -> list[WorkItem]:
    """Everything awaiting the user's action across workflows, overdue first,
    then by due date: for each action of the policy that declares a queue,
    the objects its queue gives this person (``policy.pending``), the same
    rule the service applies. One query per action, at most ``WORK_PER_ACTION``
    objects each."""
    from secretariat.kernel import policy
    from secretariat.kernel.cases import case_path

    items = {}
    for act in list(policy.ACTIONS.values()):
        if act.queue is None or act.model is None or not act.my_work:
            continue
        path = case_path(act.model)
        for obj in _pending(policy, act, user, path):
            item = _work_item(act, obj, path)
            items.setdefault((item.url, item.what), item)
    found = list(items.values())
    found.sort(key=lambda item: (item.due_date is None, item.due_date or date.max))
    return found


# A queue longer than this shows its most urgent part: My work is a to-do
# list, not a report.
WORK_PER_ACTION = 100


def _pending(policy, act, user, path: str | None) -> list:
    queryset = policy.pending(act.name, user, act.model._default_manager.all())
    if path:
        queryset = queryset.select_related(path)
    own_due = any(f.name == "due_date" for f in act.model._meta.concrete_fields)
    by = "due_date" if own_due else (f"{path}__due_date" if path else None)
    order = [F(by).asc(nulls_last=True)] if by else []
    return list(queryset.order_by(*order, "pk")[:WORK_PER_ACTION])


def _work_item(act, obj, path: str | None) -> WorkItem:
    """The row of My work for ``obj``: its case's reference, title and due date
    (the object's own due date first, e.g. an onboarding step's), and the page
    of the nearest object on the way to the case that has one."""
    chain = [obj]
    for name in path.split("__") if path else []:
        chain.append(getattr(chain[-1], name))
    case = chain[-1] if path else None
    url = next(
        (o.get_absolute_url() for o in chain if hasattr(o, "get_absolute_url")), ""
    )
    what = act.work_text(obj)
    if path != "case" and not callable(act.work_label):
        # Not the case's own object (an onboarding step, a delivery): say which.
        what = f"{what}: {obj}"
    return WorkItem(
        reference=case.reference if case else str(obj),
        title=case.title if case else "",
        what=what,
        due_date=getattr(obj, "due_date", None) or (case.due_date if case else None),
        url=url,
    )


def reports_for(user):
    """The reports built for the user: those they asked for and their monthly
    statements. Nobody else's, whatever their role ("not yours" is 404)."""
    from secretariat.reports.models import Report

    if not getattr(user, "is_authenticated", False):
        return Report.objects.none()
    return Report.objects.filter(
        Q(requested_by=user) | Q(subscriber=user)
    ).select_related("scope")


def report_subscriptions_for(user):
    from secretariat.reports.models import ReportSubscription

    if not getattr(user, "is_authenticated", False):
        return ReportSubscription.objects.none()
    return ReportSubscription.objects.filter(user=user)
