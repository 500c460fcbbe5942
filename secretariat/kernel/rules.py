"""Who may do what: role predicates shared by every app, and the permissions of
the secretariat's shared records (cases, their comments and documents).

Each app declares its object permissions in its own ``rules.py`` with these
predicates; views, the API, the admin and templates all ask ``user.has_perm``.
"""

import rules

from secretariat.kernel.roles import Role, has_role, is_staff_reader


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
rules.add_perm("secretariat.view_attachment", can_view_attachment_subject)

# The fund. Staff read it; liaisons read the coalition's figures and their own
# state's detail on the fund statement only.
rules.add_perm("secretariat.view_pool", is_staff)
rules.add_perm("secretariat.view_ledgerentry", is_staff)
rules.add_perm("secretariat.view_fund_statement", is_staff | is_liaison)
rules.add_perm("secretariat.view_commitment", is_staff)
rules.add_perm("secretariat.view_adjustment", is_staff)
# Commitments, adjustments, bank statements and the ledger's export:
# secretariat/fund/policy/ledger.py.

# Disbursement requests. Who may act on them, now:
# secretariat/fund/policy/disbursements.py.
rules.add_perm("secretariat.view_disbursementrequest", is_staff)

# Reports (asking for, reading): secretariat/reports/policy.py.
