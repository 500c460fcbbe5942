"""Reads of the read side: what awaits each person (My work), and the reports a
person may read."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import F, Q
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class WorkItem:
    reference: str
    title: str
    what: str
    due_date: date | None
    url: str
    # The action (its policy's name), the button that leads to it, named by
    # what it does, and the page where it is done (the object's page if it has
    # no page of its own).
    action: str = ""
    button: str = ""
    action_url: str = ""

    def overdue(self, today: date) -> bool:
        return self.due_date is not None and self.due_date < today


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
    if queryset.query.is_empty():
        # Not this person's queue (most actions, for most people): nothing to
        # compile or run.
        return []
    # The case on the way, and what the object's name reads (``str_related``
    # on the model): a queue of a hundred awards is then one query, not three
    # hundred.
    related = [*([path] if path else []), *getattr(act.model, "str_related", ())]
    if related:
        queryset = queryset.select_related(*related)
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
    named = str(obj)
    if (
        path != "case"
        and not callable(act.work_label)
        and not (case and case.reference in named)
    ):
        # Not the case's own object (an onboarding step, a delivery): say which,
        # unless its name is only the case's again (a seat on its committee).
        what = f"{what}: {named}"
    page = WORK_PAGES.get(act.name)
    return WorkItem(
        reference=case.reference if case else str(obj),
        title=case.title if case else "",
        what=what,
        due_date=getattr(obj, "due_date", None) or (case.due_date if case else None),
        url=url,
        action=act.name,
        button=str(page.button if page and page.button else act.label),
        action_url=(page.url(obj) if page and page.url else "") or url,
    )


@dataclass(frozen=True)
class WorkPage:
    """Where an action of a queue is done, if not on its object's page, and its
    button's name, if not the action's label."""

    url: Callable[[object], str] | None = None
    button: str | Promise | None = None


def _named(name: str, *args: Callable[[object], object]) -> Callable[[object], str]:
    return lambda obj: reverse(name, args=[arg(obj) for arg in args])


def _case_reference(obj) -> str:
    return obj.case.reference


def _pk(obj) -> int:
    return obj.pk


# Each page reads only what the queue's ``select_related`` of the case path
# already loaded (the object, the links up to its case): no query per item.
WORK_PAGES: dict[str, WorkPage] = {
    "disbursement.adopt": WorkPage(_named("disbursement_adopt", _case_reference)),
    "disbursement.edit": WorkPage(_named("disbursement_edit", _case_reference)),
    "disbursement.check": WorkPage(
        _named("disbursement_check", _case_reference), gettext_lazy("Check")
    ),
    "disbursement.approve": WorkPage(_named("disbursement_approve", _case_reference)),
    "disbursement.pay": WorkPage(
        _named("disbursement_pay", _case_reference),
        gettext_lazy("Record the payment"),
    ),
    "statementline.resolve": WorkPage(
        _named("statement_line_resolve", lambda line: line.statement_id, _pk)
    ),
    "onboardingstep.complete": WorkPage(
        _named(
            "members:step_complete",
            lambda step: step.onboarding.case.reference,
            _pk,
        )
    ),
    "onboardingstep.provide": WorkPage(
        lambda step: (
            reverse("members:document_upload", args=[step.onboarding.case.reference])
            + f"?step={step.pk}"
        )
    ),
    "tender.open": WorkPage(_named("procurement:tender_open", _case_reference)),
    "tender.start_evaluation": WorkPage(
        _named("procurement:tender_start_evaluation", _case_reference)
    ),
    "award.recommend": WorkPage(
        _named(
            "procurement:award_recommend",
            lambda lot: lot.tender.case.reference,
            lambda lot: lot.number,
        )
    ),
    "award.approve": WorkPage(_named("procurement:award_approve", _pk)),
    "contract.sign": WorkPage(_named("procurement:contract_sign", _pk)),
    "complaint.decide": WorkPage(_named("procurement:complaint_decide", _pk)),
    "delivery.decide": WorkPage(_named("procurement:delivery_decide", _pk)),
    "receipt.confirm": WorkPage(_named("procurement:receipt_confirm", _pk)),
    "discrepancy.resolve": WorkPage(
        _named("procurement:discrepancy_resolve", _case_reference)
    ),
    # Reviewed on the requirement's own page, where its three buttons are.
    "requirement.review": WorkPage(button=gettext_lazy("Review")),
    "requirement.answer": WorkPage(
        _named(
            "procurement:requirement_move",
            lambda requirement: requirement.reference,
            lambda requirement: "answer",
        ),
        gettext_lazy("Answer"),
    ),
}


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
