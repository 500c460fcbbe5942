"""Who may do what: role predicates shared by every app, and the permissions of
the secretariat's shared records (cases, their comments and documents).

Each app declares its object permissions in its own ``rules.py`` with these
predicates; views, the API, the admin and templates all ask ``user.has_perm``.
"""

import rules

from secretariat.roles import Role, has_role, is_staff_reader


def role_predicate(*roles):
    name = "has_role:" + "|".join(roles)
    return rules.Predicate(lambda user: has_role(user, *roles), name=name)


is_administrator = role_predicate(Role.ADMINISTRATOR)
is_secretariat_officer = role_predicate(Role.SECRETARIAT_OFFICER, Role.ADMINISTRATOR)
is_procurement_officer = role_predicate(Role.PROCUREMENT_OFFICER, Role.ADMINISTRATOR)
is_finance_officer = role_predicate(Role.FINANCE_OFFICER, Role.ADMINISTRATOR)
is_co_lead_approver = role_predicate(Role.CO_LEAD_APPROVER)
is_evaluator = role_predicate(Role.EVALUATOR)
is_liaison = role_predicate(Role.MEMBER_LIAISON)
is_manufacturer_representative = role_predicate(Role.MANUFACTURER_REPRESENTATIVE)
is_staff = rules.Predicate(is_staff_reader, name="is_staff_reader")


def view_permission_name(obj) -> str:
    meta = obj._meta
    return f"{meta.app_label}.view_{meta.model_name}"


@rules.predicate
def can_view_case_subject(user, case):
    if case is None:
        return False
    subject = case.subject
    return subject is not None and user.has_perm(view_permission_name(subject), subject)


@rules.predicate
def can_view_attachment_subject(user, attachment):
    if attachment is None:
        return False
    subject = attachment.subject
    return subject is not None and user.has_perm(view_permission_name(subject), subject)


@rules.predicate
def is_co_lead_state_approver(user):
    return (
        has_role(user, Role.CO_LEAD_APPROVER)
        and user.member_state_id is not None
        and user.member_state.is_co_lead
    )


rules.add_perm("secretariat.view_case", can_view_case_subject)
# The dashboard's figures span every workflow: staff only.
rules.add_perm("secretariat.view_dashboard", is_staff)
rules.add_perm("secretariat.comment_case", can_view_case_subject)
rules.add_perm("secretariat.view_attachment", can_view_attachment_subject)

# The fund. Staff read it; liaisons read the coalition's figures and their own
# state's detail on the fund statement only.
rules.add_perm("secretariat.view_pool", is_staff)
rules.add_perm("secretariat.view_ledgerentry", is_staff)
rules.add_perm("secretariat.view_fund_statement", is_staff | is_liaison)
rules.add_perm("secretariat.view_commitment", is_staff)
rules.add_perm("secretariat.add_commitment", is_finance_officer)
rules.add_perm("secretariat.release_commitment", is_finance_officer)
rules.add_perm("secretariat.view_adjustment", is_staff)
rules.add_perm("secretariat.request_adjustment", is_finance_officer)
# That the author never approves their own adjustment is checked by the service,
# which says so.
rules.add_perm(
    "secretariat.decide_adjustment", is_finance_officer | is_co_lead_approver
)

# Disbursement requests. Separation of duties between the people is checked by
# the services against the request itself.
rules.add_perm("secretariat.view_disbursementrequest", is_staff)
rules.add_perm("secretariat.prepare_disbursement", is_finance_officer)
rules.add_perm("secretariat.check_disbursement", is_finance_officer)
rules.add_perm("secretariat.approve_disbursement", is_co_lead_state_approver)
rules.add_perm("secretariat.pay_disbursement", is_finance_officer)
rules.add_perm("secretariat.reconcile_disbursement", is_finance_officer)

# Reports. Staff ask for every kind; a liaison asks for the kinds that have a
# copy of their own state (the fund statement, onboarding) and gets that copy.
# A report is read only by the person it was built for, and only while they may
# still see everything in it.
STATE_SCOPED_REPORTS = frozenset({"fund_statement", "onboarding"})


@rules.predicate
def is_liaison_of_a_state(user):
    return has_role(user, Role.MEMBER_LIAISON) and user.member_state_id is not None


def report_scope_of(user):
    """The member state id of the user's copy of a report; ``None`` for the full
    copy of staff."""
    return None if is_staff_reader(user) else user.member_state_id


@rules.predicate
def may_request_report(user, kind):
    if is_staff_reader(user):
        return True
    if not is_liaison_of_a_state(user):
        return False
    return kind is None or kind in STATE_SCOPED_REPORTS


@rules.predicate
def may_read_report(user, report):
    if report is None or user.pk not in {report.requested_by_id, report.subscriber_id}:
        return False
    if not may_request_report(user, report.kind):
        return False
    scope = report_scope_of(user)
    return scope is None or report.scope_id == scope


rules.add_perm("secretariat.view_reports", may_request_report)
rules.add_perm("secretariat.request_report", may_request_report)
rules.add_perm("secretariat.view_report", may_read_report)
rules.add_perm("secretariat.export_ledger", is_finance_officer)
