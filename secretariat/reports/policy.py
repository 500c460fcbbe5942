"""Who may ask for and read reports, now.

Staff ask for every kind and get the full report; a member liaison asks for the
kinds that have a copy of their own state (the fund statement, onboarding) and
gets that copy. A report is read only by the person it was built for, and only
while they may still see everything in it.
"""

import rules
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from secretariat.kernel.policy import action, allow, may, refuse
from secretariat.kernel.roles import Role, has_role, is_staff_reader
from secretariat.reports.models import Report

STATE_SCOPED_REPORTS = frozenset({"fund_statement", "onboarding"})


def _is_liaison_of_a_state(user) -> bool:
    return has_role(user, Role.MEMBER_LIAISON) and user.member_state_id is not None


def report_scope_of(user):
    """The member state id of the user's copy of a report; ``None`` for the full
    copy of staff."""
    return None if is_staff_reader(user) else user.member_state_id


@action(
    "report.request",
    label=gettext_lazy("Ask for the report"),
    model=Report,
    perm="secretariat.request_report",
)
def report_request(user, kind=None):
    """``kind`` is a ``ReportKind`` value, or ``None`` for "any report"; asked
    about a report, whether its kind may be asked for (again)."""
    kind = getattr(kind, "kind", kind)
    if is_staff_reader(user):
        return allow()
    if not _is_liaison_of_a_state(user):
        return refuse(
            _("Reports are for the secretariat, the co-leads and member liaisons."),
            hidden=True,
        )
    if kind is None or kind in STATE_SCOPED_REPORTS:
        return allow()
    return refuse(
        _(
            "A member liaison asks for the fund statement and the onboarding "
            "report, of their own state."
        ),
        hidden=True,
    )


@action(
    "report.read",
    label=gettext_lazy("Download"),
    model=Report,
    perm="secretariat.view_report",
)
def report_read(user, report=None):
    # Every refusal is hidden: "not yours" and "does not exist" both answer 404.
    if report is None or user.pk not in {report.requested_by_id, report.subscriber_id}:
        return refuse(_("This report was built for someone else."), hidden=True)
    if not may("report.request", user, report.kind):
        return refuse(_("You may no longer receive this report."), hidden=True)
    scope = report_scope_of(user)
    if scope is not None and scope != report.scope_id:
        return refuse(
            _("Your access has changed since you asked; ask for the report again."),
            hidden=True,
        )
    return allow()


# The reports page is for whoever may ask for at least one report.
rules.set_perm(
    "secretariat.view_reports",
    rules.Predicate(lambda user: may("report.request", user)),
)
