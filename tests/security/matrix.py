"""The authorization matrix: for every page of the web app and every operation
of the API, the answer each kind of person gets, asked about one object of the
world in ``world.py``.

Columns (``WHO``): anonymous; the secretariat, procurement and finance officers;
Latvia's co-lead approver; an evaluator (on the contracted tender's committee);
a member liaison of the object's own state, and one of another state; a
manufacturer's representative of the object's own company, and one of another
company; the administrator; a signed-in person with no role.

An object is Latvia's and the Latvian company's (SIA Baltic UAV) unless
``WEB_OWNERS`` or ``API_OWNERS`` says otherwise: the own liaison is then
Latvia's and the other Japan's; the own representative SIA Baltic UAV's and the
other UK Drones Ltd's. Japan's onboarding case is Japan's (its liaison is the
own one), and UK Drones Ltd's complaint is UK Drones Ltd's.

Answers: an HTTP status (200, 201, 204, 400, 403, 404, 409...), or
  L   sent to sign in (302 to the login page)
  R   sent on elsewhere (302, not to the login page)
  ok  let through to the form: anything but a refusal (L, 401, 403, 404, 405)
      or a server error
On the web, "not yours" and "does not exist" both answer 404, and a role that
may see the object but not act on it gets 403. The API answers 403 to anonymous
callers too (the session authenticator comes first and asks for no header).
Refusals that come from a service's rule rather than a permission show as 400 or
409 (for example a finance officer paying a disbursement that is only checked:
409), and the policy's refusals for who the person is (separation of duties,
the approver's role) as 403; ``test_refused_writes_change_nothing`` checks that
those change nothing either.

Every request runs in a savepoint rolled back after it, so one world serves
every row and column.

``test_policy_agreement.py`` grows this matrix from pages and operations to
actions: every action the policy declares, asked as every person of the same
world about its objects, where the policy, the page's button, the API's
``allowed_actions``, the service and the queue must give one answer.
"""

import re
from dataclasses import dataclass

from django.urls import reverse

WHO = (
    "anonymous", "officer", "procurement", "finance", "approver_lv", "evaluator",
    "liaison_own", "liaison_other", "rep_own", "rep_other", "admin", "no_role",
)  # fmt: skip


@dataclass(frozen=True)
class Owners:
    """Whose an object is: the liaison and the representative it belongs to."""

    liaison: str = "liaison_lv"
    rep: str = "rep_lv"

    def user_name(self, who: str) -> str:
        others = {"liaison_lv": "liaison_jp", "liaison_jp": "liaison_lv",
                  "rep_lv": "rep_gb", "rep_gb": "rep_lv"}  # fmt: skip
        return {
            "liaison_own": self.liaison,
            "liaison_other": others[self.liaison],
            "rep_own": self.rep,
            "rep_other": others[self.rep],
            "no_role": "outsider",
        }.get(who, who)


LATVIAN = Owners()
JAPANESE = Owners(liaison="liaison_jp")
UK_COMPANYS = Owners(rep="rep_gb")


def parse(table: str, *, prefix: str = "") -> dict[str, list]:
    """Rows of "METHOD key answer answer ..." into {key: [(method, answers)]}; an
    API row's key is "METHOD /api/path/"."""
    rows = {}
    for line in table.strip().splitlines():
        if line.lstrip().startswith("#"):
            continue
        method, key, *answers = line.split()
        if prefix:
            key = f"{method} {prefix}{key}"
        assert len(answers) == len(WHO), f"{key}: {len(answers)} answers"
        asked = rows.setdefault(key, [])
        assert method not in dict(asked), f"{method} {key} is listed twice"
        asked.append((method, tuple(answers)))
    return rows


# ---------------------------------------------------------------- the tables

# Every page of the web app (its URL name; the API's views outside the schema
# too) and the answer to a GET. "GET/POST": a POST of an empty form is refused
# in the same way wherever the GET is refused. "POST": the page takes POST only
# and is asked with an empty form. A page with a row for each method is asked
# both ways.
WEB = parse("""
#   method   page                                  anon off pro fin apr eva lvO lvX rpO rpX adm non
    GET      api-root                              403 200 200 200 200 200 200 200 200 200 200 200
    GET      schema                                200 200 200 200 200 200 200 200 200 200 200 200
    GET      api_docs                              200 200 200 200 200 200 200 200 200 200 200 200
    GET/POST account_activate                      200 200 200 200 200 200 200 200 200 200 200 200
    GET/POST account_settings                      L   200 200 200 200 200 200 200 200 200 200 200
    GET/POST adjustment_create                     L   403 403 200 403 403 403 403 403 403 200 403
    GET/POST adjustment_decide                     L   403 403 200 200 403 403 403 403 403 200 403
    GET/POST adjustment_list                       L   200 200 200 200 403 403 403 403 403 200 403
    GET/POST attachment                            L   200 200 200 200 404 200 404 404 404 200 404
    GET/POST bank_statement                        L   200 200 200 200 403 403 403 403 403 200 403
    GET      bank_statements                       L   200 200 200 200 403 403 403 403 403 200 403
    POST     bank_statements                       L   403 403 ok  403 403 403 403 403 403 ok  403
    POST     case_comment                          L   200 200 200 200 404 200 404 404 404 200 404
    GET/POST commitment_create                     L   403 403 200 403 403 403 403 403 403 200 403
    GET/POST commitment_list                       L   200 200 200 200 403 403 403 403 403 200 403
    GET/POST commitment_release                    L   403 403 200 403 404 404 404 404 404 200 404
    GET/POST dashboard                             L   200 200 200 200 403 403 403 403 403 200 403
    GET/POST disbursement                          L   200 200 200 200 404 404 404 404 404 200 404
    GET/POST disbursement_adopt                    L   403 403 200 403 404 404 404 404 404 200 404
    GET/POST disbursement_approve                  L   403 403 403 200 404 404 404 404 404 403 404
    GET/POST disbursement_cancel                   L   403 403 200 403 404 404 404 404 404 200 404
    GET/POST disbursement_check                    L   403 403 200 403 404 404 404 404 404 200 404
    GET/POST disbursement_document_add             L   403 403 200 403 404 404 404 404 404 200 404
    GET/POST disbursement_edit                     L   403 403 200 403 404 404 404 404 404 200 404
    GET/POST disbursement_list                     L   200 200 200 200 403 403 403 403 403 200 403
    GET/POST disbursement_pay                      L   403 403 200 403 404 404 404 404 404 200 404
    GET/POST disbursement_prepare                  L   403 403 200 403 403 403 403 403 403 200 403
    GET/POST disbursement_reject                   L   403 403 200 200 404 404 404 404 404 200 404
    GET/POST disbursement_return                   L   403 403 200 200 404 404 404 404 404 200 404
    GET/POST disbursement_submit                   L   403 403 200 403 404 404 404 404 404 200 404
    GET/POST fund_statement                        L   200 200 200 200 403 200 200 403 403 200 403
    GET      healthz                               200 200 200 200 200 200 200 200 200 200 200 200
    GET/POST ledger                                L   200 200 200 200 403 403 403 403 403 200 403
    GET      ledger_export                         L   403 403 200 403 403 403 403 403 403 200 403
    GET/POST login                                 200 200 200 200 200 200 200 200 200 200 200 200
    POST     logout                                L   L   L   L   L   L   L   L   L   L   L   L
    GET/POST members:constraints                   L   200 403 403 403 404 403 404 404 404 200 404
    GET/POST members:contribution_create           L   403 403 200 403 404 403 404 404 404 200 404
    GET/POST members:detail                        L   200 200 200 200 404 200 404 404 404 200 404
    GET/POST members:document_upload               L   200 403 403 403 404 200 404 404 404 200 404
    GET/POST members:liaison_invite                L   200 403 403 403 404 403 404 404 404 200 404
    POST     members:liaison_resend                L   R   403 403 403 404 403 404 404 404 R   404
    GET/POST members:list                          L   200 200 200 200 403 200 200 403 403 200 403
    GET/POST members:onboarding                    L   200 200 200 200 404 200 404 404 404 200 404
    GET/POST members:pledge_cancel                 L   200 403 200 403 404 403 404 404 404 200 404
    GET/POST members:pledge_create                 L   200 403 200 403 404 200 404 404 404 200 404
    GET/POST members:step_assign                   L   200 403 403 403 404 403 404 404 404 200 404
    GET/POST members:step_complete                 L   200 403 403 403 404 403 404 404 404 200 404
    GET/POST members:transition                    L   200 403 403 403 404 403 404 404 404 200 404
    GET      metrics                               404 404 404 404 404 404 404 404 404 404 404 404
    GET/POST my_work                               L   200 200 200 200 200 200 200 200 200 200 200
    GET/POST notification_list                     L   200 200 200 200 200 200 200 200 200 200 200
    GET/POST notification_preferences              L   200 200 200 200 200 200 200 200 200 200 200
    POST     notification_read                     L   R   R   R   R   R   R   R   R   R   R   R
    GET/POST password_change                       L   200 200 200 200 200 200 200 200 200 200 200
    GET      password_change_done                  L   200 200 200 200 200 200 200 200 200 200 200
    GET/POST password_reset                        200 200 200 200 200 200 200 200 200 200 200 200
    GET      password_reset_complete               200 200 200 200 200 200 200 200 200 200 200 200
    GET/POST password_reset_confirm                200 200 200 200 200 200 200 200 200 200 200 200
    GET      password_reset_done                   200 200 200 200 200 200 200 200 200 200 200 200
    GET/POST procurement:award_approve             L   403 403 403 200 404 403 403 403 403 403 404
    GET/POST procurement:award_recommend           L   403 200 403 403 404 403 403 403 403 200 404
    GET/POST procurement:bid                       L   200 200 200 200 200 404 404 200 404 200 404
    GET/POST procurement:bid_change                L   404 404 404 404 404 404 404 200 404 404 404
    GET/POST procurement:bid_document              L   404 404 404 404 404 404 404 200 404 404 404
    GET/POST procurement:bid_list                  L   403 403 403 403 403 403 403 200 200 403 403
    GET/POST procurement:bid_submit                L   403 403 403 403 404 403 403 200 200 403 404
    GET/POST procurement:bid_withdraw              L   404 404 404 404 404 404 404 200 404 404 404
    GET/POST procurement:clarification_answer      L   403 200 403 403 404 403 403 403 403 200 404
    GET/POST procurement:clarification_ask         L   403 403 403 403 404 403 403 200 200 403 404
    GET/POST procurement:committee_appoint         L   403 200 403 403 404 403 403 403 403 200 404
    GET/POST procurement:complaint_decide          L   403 200 403 403 404 404 404 403 404 200 404
    GET/POST procurement:complaint_file            L   403 403 403 403 404 403 403 403 200 403 404
    GET/POST procurement:contract                  L   200 200 200 200 404 404 404 200 404 200 404
    GET/POST procurement:contract_list             L   200 200 200 200 403 403 403 200 200 200 403
    GET/POST procurement:contract_sign             L   403 200 403 403 404 403 403 403 403 200 404
    GET/POST procurement:delivery_decide           L   403 200 403 403 404 404 404 403 404 200 404
    GET/POST procurement:delivery_report           L   403 403 403 403 404 404 404 200 404 403 404
    GET/POST procurement:delivery                  L   200 200 200 200 404 404 404 200 404 200 404
    GET/POST procurement:delivery_list             L   403 403 403 403 403 403 403 403 403 403 403
    GET/POST procurement:receipt_confirm           L   403 403 403 403 404 404 404 403 404 403 404
    GET/POST procurement:field_report_file         L   403 403 403 403 404 404 404 403 404 403 404
    GET/POST procurement:discrepancy_list          L   200 200 200 200 403 403 403 403 403 200 403
    GET/POST procurement:discrepancy               L   404 404 404 404 404 404 404 404 404 404 404
    GET/POST procurement:discrepancy_resolve       L   404 404 404 404 404 404 404 404 404 404 404
    GET/POST procurement:field_report_list         L   200 200 200 200 403 200 200 200 200 200 403
    GET/POST procurement:field_report              L   404 404 404 404 404 404 404 404 404 404 404
    GET/POST procurement:evaluation                L   404 404 404 404 200 404 404 404 404 404 404
    GET/POST procurement:evaluation_declare        L   404 404 404 404 R   404 404 404 404 404 404
    GET/POST procurement:evaluation_queue          L   403 403 403 403 200 403 403 403 403 403 403
    GET/POST procurement:evaluation_score          L   404 404 404 404 R   404 404 404 404 404 404
    GET/POST procurement:evaluation_scores         L   404 404 404 404 R   404 404 404 404 404 404
    GET/POST procurement:evaluation_submit         L   404 404 404 404 200 404 404 404 404 404 404
    GET/POST procurement:lot_add                   L   403 200 403 403 404 403 403 403 403 200 404
    GET/POST procurement:manufacturer              L   200 200 200 200 404 200 404 200 404 200 404
   GET/POST procurement:manufacturer_bank_account L   403 200 403 403 404 403 404 200 404 200 404
    GET/POST procurement:manufacturer_list         L   200 200 200 200 403 200 200 200 200 200 403
    GET/POST procurement:manufacturer_nominate     L   403 200 403 403 403 200 200 403 403 200 403
   GET/POST procurement:manufacturer_supply_chain L   403 200 403 403 404 403 404 200 404 200 404
    GET/POST procurement:manufacturer_test_record  L   403 200 403 403 404 403 404 403 404 200 404
    GET/POST procurement:manufacturer_vet          L   403 200 403 403 404 403 404 403 404 200 404
    GET      procurement:ocds_bulk_package         200 200 200 200 200 200 200 200 200 200 200 200
    GET      procurement:ocds_record_package       200 200 200 200 200 200 200 200 200 200 200 200
    GET      procurement:ocds_release_package      200 200 200 200 200 200 200 200 200 200 200 200
    GET      procurement:open_data_policy          200 200 200 200 200 200 200 200 200 200 200 200
   GET/POST procurement:representative_deactivate L   403 200 403 403 404 200 404 403 404 200 404
    GET/POST procurement:representative_invite     L   403 200 403 403 404 200 404 403 404 200 404
    GET      procurement:red_flags                 L   403 200 403 200 403 403 403 403 403 200 403
    GET/POST procurement:requirement               L   200 200 200 200 403 403 403 403 403 200 403
    GET/POST procurement:requirement_create        L   403 200 403 403 403 403 403 403 403 200 403
    GET/POST procurement:requirement_list          L   200 200 200 200 403 403 403 403 403 200 403
    GET/POST procurement:requirement_move          L   403 200 403 403 403 403 403 403 403 200 403
    GET/POST procurement:requirement_submit        L   403 403 403 403 403 403 403 403 403 403 403
    GET/POST procurement:opener_accept             L   404 404 404 404 404 404 404 404 404 404 404
    GET/POST procurement:opener_reissue            L   403 200 403 403 404 403 403 403 403 200 404
    GET/POST procurement:opener_replace            L   403 200 403 403 404 403 403 403 403 200 404
    GET/POST procurement:opening_committee_name    L   403 200 403 403 404 403 403 403 403 200 404
    GET/POST procurement:tender                    L   200 200 200 200 404 200 200 200 200 200 404
    GET/POST procurement:tender_amend              L   403 200 403 403 404 403 403 403 403 200 404
    GET/POST procurement:tender_cancel             L   403 200 403 403 404 403 403 403 403 200 404
    GET/POST procurement:tender_create             L   403 200 403 403 403 403 403 403 403 200 403
    GET/POST procurement:tender_edit               L   403 200 403 403 404 403 403 403 403 200 404
    GET/POST procurement:tender_list               L   200 200 200 200 403 200 200 200 200 200 403
    GET/POST procurement:tender_open               L   403 200 403 403 404 403 403 403 403 200 404
    GET/POST procurement:tender_publish            L   403 200 403 403 404 403 403 403 403 200 404
    GET/POST procurement:tender_start_evaluation   L   403 200 403 403 404 403 403 403 403 200 404
    GET      readyz                                200 200 200 200 200 200 200 200 200 200 200 200
    GET      report_download                       L   404 404 404 404 404 200 404 404 404 404 404
    GET/POST report_list                           L   200 200 200 200 403 200 200 403 403 200 403
    POST     report_subscribe                      L   200 200 200 200 403 200 200 403 403 200 403
    POST     report_unsubscribe                    L   404 404 404 404 404 R   404 404 404 404 404
    GET/POST search                                L   200 200 200 200 200 200 200 200 200 200 200
    GET/POST start                                 L   200 200 200 200 200 200 200 200 200 200 200
    GET/POST statement_line_resolve                L   403 403 200 403 403 403 403 403 403 200 403
    GET/POST two_factor_setup                      L   200 200 200 200 200 200 200 200 200 200 200
    GET/POST two_factor_verify                     L   R   R   R   R   R   R   R   R   R   R   R
""")  # noqa: E501

# Every operation of the API (paths under /api), each asked with a well-formed
# body (``bodies.py``) so that the service itself decides.
API_TABLE = """
#   operation                                           anon off pro fin apr eva lvO lvX rpO rpX adm non
    GET    /adjustments/                                  403 200 200 200 200 403 403 403 403 403 200 403
    POST   /adjustments/                                  403 403 403 201 403 403 403 403 403 403 201 403
    GET    /adjustments/{id}/                             403 200 200 200 200 403 403 403 403 403 200 403
    POST   /adjustments/{id}/decide/                      403 403 403 200 200 403 403 403 403 403 200 403
    POST   /auth/logout/                                  403 204 204 204 204 204 204 204 204 204 204 204
    POST   /auth/logout-all/                              403 204 204 204 204 204 204 204 204 204 204 204
    POST   /auth/token/                                   400 400 400 400 400 400 400 400 400 400 400 400
    GET    /awards/                                       403 200 200 200 200 403 200 200 200 200 200 403
    POST   /awards/                                       403 403 409 403 403 403 403 403 403 403 409 403
    GET    /awards/{id}/                                  403 200 200 200 200 403 200 200 200 200 200 403
    POST   /awards/{id}/approve/                          403 403 403 403 409 403 403 403 403 403 403 403
    GET    /bank-statements/                              403 200 200 200 200 403 403 403 403 403 200 403
    POST   /bank-statements/                              403 403 403 201 403 403 403 403 403 403 201 403
    GET    /bank-statements/{id}/                         403 200 200 200 200 403 403 403 403 403 200 403
    GET    /bids/                                         403 200 200 200 200 200 403 403 200 200 200 403
    POST   /bids/                                         403 403 403 403 403 403 403 403 409 201 403 403
    GET    /bids/{id}/                                    403 200 200 200 200 200 403 403 200 404 200 403
    POST   /bids/{id}/change/                             403 403 403 403 403 403 403 403 200 404 403 403
    GET    /bids/{id}/history/                            403 200 200 200 200 200 403 403 200 404 200 403
    GET    /bids/{id}/offer/                              403 404 404 404 404 404 403 403 200 404 404 403
    POST   /bids/{id}/withdraw/                           403 403 403 403 403 403 403 403 200 404 403 403
    GET    /capability-categories/                        403 200 200 200 200 200 200 200 200 200 200 200
    GET    /capability-categories/{code}/                 403 200 200 200 200 200 200 200 200 200 200 200
    GET    /cases/{reference}/timeline/                   403 200 200 200 200 404 200 404 404 404 200 404
    GET    /commitments/                                  403 200 200 200 200 403 403 403 403 403 200 403
    POST   /commitments/                                  403 403 403 201 403 403 403 403 403 403 201 403
    GET    /commitments/{id}/                             403 200 200 200 200 403 403 403 403 403 200 403
    POST   /commitments/{id}/release/                     403 403 403 200 403 403 403 403 403 403 200 403
    GET    /committee-members/                            403 200 200 200 200 200 403 403 403 403 200 403
    POST   /committee-members/                            403 403 201 403 403 403 403 403 403 403 201 403
    GET    /committee-members/{id}/                       403 200 200 200 200 200 403 403 403 403 200 403
    GET    /committee-members/{id}/bidders/               403 200 200 200 200 200 403 403 403 403 200 403
    POST   /committee-members/{id}/declare/               403 403 403 403 403 409 403 403 403 403 403 403
    GET    /committee-members/{id}/scores/                403 200 200 200 200 200 403 403 403 403 200 403
    POST   /committee-members/{id}/scores/                403 403 403 403 403 409 403 403 403 403 403 403
    POST   /committee-members/{id}/submit/                403 403 403 403 403 409 403 403 403 403 403 403
    GET    /complaints/                                   403 200 200 200 200 403 403 403 200 200 200 403
    POST   /complaints/                                   403 403 403 403 403 403 403 403 409 403 403 403
    GET    /complaints/{id}/                              403 200 200 200 200 403 403 403 200 404 200 403
    POST   /complaints/{id}/decide/                       403 403 200 403 403 403 403 403 403 403 200 403
    GET    /contracts/                                    403 200 200 200 200 403 403 403 200 200 200 403
    POST   /contracts/                                    403 403 400 403 403 403 403 403 403 403 400 403
    GET    /contracts/{id}/                               403 200 200 200 200 403 403 403 200 404 200 403
    GET    /contributions/                                403 200 200 200 200 403 200 200 403 403 200 403
    POST   /contributions/                                403 403 403 201 403 403 403 400 403 403 201 403
    GET    /contributions/{id}/                           403 200 200 200 200 403 200 404 403 403 200 403
    GET    /deliveries/                                   403 200 200 200 200 403 403 403 200 200 200 403
    POST   /deliveries/                                   403 403 403 403 403 403 403 403 201 400 403 403
    GET    /deliveries/{id}/                              403 200 200 200 200 403 403 403 200 404 200 403
    POST   /deliveries/{id}/decide/                       403 403 200 403 403 403 403 403 403 403 200 403
    GET    /receipts/                                     403 200 200 200 200 403 403 403 200 200 200 403
    POST   /receipts/                                     403 403 403 403 403 403 403 403 403 403 403 403
    GET    /receipts/{id}/                                403 404 404 404 404 403 403 403 404 404 404 403
    GET    /field-reports/                                403 200 200 200 200 403 200 200 200 200 200 403
    POST   /field-reports/                                403 403 403 403 403 403 403 403 403 403 403 403
    GET    /field-reports/{id}/                           403 404 404 404 404 403 404 404 404 404 404 403
    GET    /disbursements/                                403 200 200 200 200 403 403 403 403 403 200 403
    POST   /disbursements/                                403 403 403 201 403 403 403 403 403 403 201 403
    GET    /disbursements/{reference}/                    403 200 200 200 200 403 403 403 403 403 200 403
    PATCH  /disbursements/{reference}/                    403 403 403 200 403 403 403 403 403 403 403 403
    POST   /disbursements/{reference}/approve/            403 403 403 403 200 403 403 403 403 403 403 403
    POST   /disbursements/{reference}/cancel/             403 403 403 200 403 403 403 403 403 403 200 403
    POST   /disbursements/{reference}/check/              403 403 403 403 403 403 403 403 403 403 200 403
    POST   /disbursements/{reference}/pay/                403 403 403 409 403 403 403 403 403 403 409 403
    POST   /disbursements/{reference}/reject/             403 403 403 403 200 403 403 403 403 403 403 403
    POST   /disbursements/{reference}/return/             403 403 403 403 200 403 403 403 403 403 403 403
    POST   /disbursements/{reference}/submit/             403 403 403 200 403 403 403 403 403 403 403 403
    GET    /fund-statement/                               403 200 200 200 200 403 200 200 403 403 200 403
    GET    /ledger-entries/                               403 200 200 200 200 403 403 403 403 403 200 403
    GET    /ledger-entries/{id}/                          403 200 200 200 200 403 403 403 403 403 200 403
    GET    /manufacturers/                                403 200 200 200 200 403 200 200 200 200 200 403
    POST   /manufacturers/                                403 403 201 403 403 403 201 403 403 403 201 403
    GET    /manufacturers/{id}/                           403 200 200 200 200 403 200 404 200 404 200 403
    POST   /manufacturers/{id}/bank-account/              403 403 200 403 403 403 403 403 200 404 200 403
    POST   /manufacturers/{id}/supply-chain/              403 403 200 403 403 403 403 403 200 404 200 403
    GET    /manufacturers/{id}/representatives/           403 403 200 403 403 403 200 404 403 403 200 403
    POST   /manufacturers/{id}/representatives/           403 403 201 403 403 403 201 404 403 403 201 403
    POST   /manufacturers/{id}/representatives/deactivate/ 403 403 200 403 403 403 200 404 403 403 200 403
    POST   /manufacturers/{id}/test-results/              403 403 201 403 403 403 403 403 403 403 201 403
    POST   /manufacturers/{id}/vet/                       403 403 200 403 403 403 403 403 403 403 200 403
    GET    /member-states/                                403 200 200 200 200 403 200 200 403 403 200 403
    GET    /member-states/{country}/                      403 200 200 200 200 403 200 404 403 403 200 403
    POST   /member-states/{country}/constraints/          403 200 403 403 403 403 403 404 403 403 200 403
    POST   /member-states/{country}/transition/           403 200 403 403 403 403 403 404 403 403 200 403
    GET    /notifications/                                403 200 200 200 200 200 200 200 200 200 200 200
    POST   /notifications/mark-read/                      403 200 200 200 200 200 200 200 200 200 200 200
    GET    /notifications/preferences/                    403 200 200 200 200 200 200 200 200 200 200 200
    PUT    /notifications/preferences/                    403 200 200 200 200 200 200 200 200 200 200 200
    GET    /onboarding-cases/                             403 200 200 200 200 403 200 200 403 403 200 403
    GET    /onboarding-cases/{reference}/                 403 200 200 200 200 403 200 404 403 403 200 403
    POST   /onboarding-cases/{reference}/comments/        403 201 201 201 201 403 201 404 403 403 201 403
    POST   /onboarding-cases/{reference}/documents/       403 201 403 403 403 403 201 404 403 403 201 403
    GET    /onboarding-steps/                             403 200 200 200 200 403 200 200 403 403 200 403
    GET    /openers/                                      403 200 200 403 403 200 403 403 403 403 200 403
    GET    /openers/{id}/                                 403 404 404 403 403 404 403 403 403 403 404 403
    POST   /openers/{id}/accept/                          403 404 404 403 403 404 403 403 403 403 404 403
    GET    /onboarding-steps/{id}/                        403 200 200 200 200 403 200 404 403 403 200 403
    POST   /onboarding-steps/{id}/assign/                 403 200 403 403 403 403 403 404 403 403 200 403
    POST   /onboarding-steps/{id}/complete/               403 200 403 403 403 403 403 404 403 403 200 403
    GET    /pledges/                                      403 200 200 200 200 403 200 200 403 403 200 403
    POST   /pledges/                                      403 201 403 201 403 403 201 400 403 403 201 403
    GET    /pledges/{id}/                                 403 200 200 200 200 403 200 404 403 403 200 403
    POST   /pledges/{id}/cancel/                          403 200 403 200 403 403 403 404 403 403 200 403
    GET    /pools/                                        403 200 200 200 200 403 403 403 403 403 200 403
    GET    /pools/{code}/                                 403 200 200 200 200 403 403 403 403 403 200 403
    GET    /report-subscriptions/                         403 200 200 200 200 403 200 200 403 403 200 403
    POST   /report-subscriptions/                         403 201 201 201 201 403 201 201 403 403 201 403
    DELETE /report-subscriptions/{id}/                    403 404 404 404 404 403 204 404 403 403 404 403
    GET    /reports/                                      403 200 200 200 200 403 200 200 403 403 200 403
    POST   /reports/                                      403 201 201 201 201 403 201 201 403 403 201 403
    GET    /reports/{id}/                                 403 404 404 404 404 403 200 404 403 403 404 403
    GET    /reports/{id}/download/                        403 404 404 404 404 403 200 404 403 403 404 403
    GET    /red-flags/                                    403 403 200 403 200 403 403 403 403 403 200 403
    GET    /requirements/                                 403 200 200 200 200 403 403 403 403 403 200 403
    POST   /requirements/                                 403 403 201 403 403 403 403 403 403 403 201 403
    GET    /requirements/{id}/                            403 200 200 200 200 403 403 403 403 403 200 403
    POST   /requirements/submit/                          403 403 403 403 403 403 403 403 403 403 403 403
    POST   /requirements/{id}/accept/                     403 403 409 403 403 403 403 403 403 403 409 403
    POST   /requirements/{id}/ask/                        403 403 409 403 403 403 403 403 403 403 409 403
    POST   /requirements/{id}/decline/                    403 403 409 403 403 403 403 403 403 403 409 403
    POST   /requirements/{id}/answer/                     403 403 403 403 403 403 403 403 403 403 403 403
    POST   /requirements/{id}/withdraw/                   403 403 403 403 403 403 403 403 403 403 403 403
    GET    /statement-lines/                              403 200 200 200 200 403 403 403 403 403 200 403
    GET    /statement-lines/{id}/                         403 200 200 200 200 403 403 403 403 403 200 403
    POST   /statement-lines/{id}/resolve/                 403 403 403 200 403 403 403 403 403 403 200 403
    GET    /tenders/                                      403 200 200 200 200 403 200 200 200 200 200 403
    POST   /tenders/                                      403 403 409 403 403 403 403 403 403 403 409 403
    GET    /tenders/{reference}/                          403 200 200 200 200 403 200 200 200 200 200 403
    PATCH  /tenders/{reference}/                          403 403 409 403 403 403 403 403 403 403 409 403
    PUT    /tenders/{reference}/                          403 403 409 403 403 403 403 403 403 403 409 403
    POST   /tenders/{reference}/amend/                    403 403 409 403 403 403 403 403 403 403 409 403
    POST   /tenders/{reference}/cancel/                   403 403 409 403 403 403 403 403 403 403 409 403
    GET    /tenders/{reference}/clarifications/           403 200 200 200 200 403 200 200 200 200 200 403
    POST   /tenders/{reference}/clarifications/           403 403 403 403 403 403 403 403 409 409 403 403
    POST   /tenders/{reference}/clarifications/answer/    403 403 200 403 403 403 403 403 403 403 200 403
    POST   /tenders/{reference}/lots/                     403 403 409 403 403 403 403 403 403 403 409 403
    POST   /tenders/{reference}/open/                     403 403 409 403 403 403 403 403 403 403 409 403
    GET    /tenders/{reference}/opening-committee/        403 404 404 404 404 403 404 404 404 404 404 403
    POST   /tenders/{reference}/opening-committee/        403 403 409 403 403 403 403 403 403 403 409 403
    POST   /tenders/{reference}/opening-committee/reissue/ 403 403 409 403 403 403 403 403 403 403 409 403
    POST   /tenders/{reference}/opening-committee/replace/ 403 403 400 403 403 403 403 403 403 403 400 403
    POST   /tenders/{reference}/publish/                  403 403 409 403 403 403 403 403 403 403 409 403
    GET    /tenders/{reference}/ranking/                  403 200 200 200 200 403 403 403 403 403 200 403
    POST   /tenders/{reference}/start-evaluation/         403 403 409 403 403 403 403 403 403 403 409 403
"""  # noqa: E501
API = parse(API_TABLE, prefix="/api")


def _ref(obj) -> str:
    return obj.case.reference


# ---------------------------------------------------------------- web pages


def _page(name, what, *args):
    """A page's row key and (what it is about, its URL for a world): ``args``
    read the URL's arguments from the world."""
    return name, (what, lambda w: reverse(name, args=[arg(w) for arg in args]))


def _pages(names, what, *args):
    return [_page(name, what, *args) for name in names]


def _draft(w):
    return _ref(w.request)


def _tender(w):
    return _ref(w.tender)


def _maker(w):
    return w.maker_lv.pk


def _japans_case(w):
    return _ref(w.onboarding)


# The object each page is asked about, and what it is called in a failure.
WEB_OBJECTS = dict([
    _page("attachment", "Japan's invitation letter", lambda w: w.document.pk),
    _page("case_comment", "Japan's onboarding case", _japans_case),
    _page("password_reset_confirm", "a forged reset link",
          lambda w: "MTIz", lambda w: "set-password"),
    _page("account_activate", "a forged invitation link",
          lambda w: "MTIz", lambda w: "bad-token"),
    *_pages(["disbursement", "disbursement_edit", "disbursement_document_add",
             "disbursement_submit", "disbursement_cancel", "disbursement_adopt"],
            "the draft disbursement", _draft),
    _page("disbursement_check", "the submitted disbursement",
          lambda w: _ref(w.submitted)),
    *_pages(["disbursement_approve", "disbursement_return", "disbursement_reject",
             "disbursement_pay"],
            "the checked disbursement", lambda w: _ref(w.checked)),
    _page("commitment_release", "the commitment", lambda w: w.commitment.pk),
    _page("adjustment_decide", "the pending adjustment", lambda w: w.adjustment.pk),
    _page("report_download", "the report Latvia's liaison asked for",
          lambda w: w.report.pk),
    _page("report_unsubscribe", "Latvia's liaison's subscription",
          lambda w: w.subscription.pk),
    _page("bank_statement", "the bank statement", lambda w: w.statement.pk),
    _page("statement_line_resolve", "the statement's line",
          lambda w: w.statement.pk, lambda w: w.line.pk),
    *_pages(["members:detail", "members:constraints", "members:liaison_invite",
             "members:pledge_create"], "Latvia", lambda w: "LV"),
    _page("members:transition", "Latvia", lambda w: "LV", lambda w: "suspended"),
    _page("members:liaison_resend", "Latvia's invited liaison",
          lambda w: "LV", lambda w: w.pending_liaison.pk),
    _page("members:pledge_cancel", "Latvia's open pledge",
          lambda w: w.open_pledge.pk),
    _page("members:contribution_create", "Latvia's pledge", lambda w: w.pledge.pk),
    *_pages(["members:onboarding", "members:document_upload"],
            "Japan's onboarding case", _japans_case),
    *_pages(["members:step_complete", "members:step_assign"],
            "a step of Japan's case", _japans_case, lambda w: w.step.pk),
    *_pages(["procurement:ocds_release_package", "procurement:ocds_record_package"],
            "the contracted tender", _tender),
    _page("procurement:requirement", "the contracted tender's requirement",
          lambda w: w.tender.requirements.first().reference),
    _page("procurement:requirement_move", "the contracted tender's requirement",
          lambda w: w.tender.requirements.first().reference, lambda w: "accept"),
    *_pages(["procurement:manufacturer", "procurement:manufacturer_supply_chain",
             "procurement:manufacturer_test_record",
             "procurement:manufacturer_bank_account"], "SIA Baltic UAV", _maker),
    _page("procurement:representative_invite", "SIA Baltic UAV", _maker),
    _page("procurement:representative_deactivate", "SIA Baltic UAV's representative",
          _maker, lambda w: w.rep_lv.pk),
    _page("procurement:manufacturer_vet", "SIA Baltic UAV",
          _maker, lambda w: "suspended"),
    *_pages(["procurement:tender", "procurement:tender_edit", "procurement:lot_add",
             "procurement:committee_appoint", "procurement:tender_publish",
             "procurement:tender_amend", "procurement:tender_open",
             "procurement:tender_start_evaluation", "procurement:tender_cancel"],
            "the contracted tender", _tender),
    *_pages(["procurement:opening_committee_name", "procurement:opener_replace",
             "procurement:opener_reissue"],
            "the contracted tender (no opening committee)", _tender),
    _page("procurement:opener_accept", "an appointment that does not exist",
          lambda w: 999999),
    _page("procurement:clarification_ask", "the sealed tender",
          lambda w: _ref(w.sealed_tender)),
    _page("procurement:clarification_answer", "a question on the contracted tender",
          _tender, lambda w: w.clarification.pk),
    _page("procurement:bid_submit", "lot 1 of the sealed tender",
          lambda w: _ref(w.sealed_tender), lambda w: 1),
    _page("procurement:award_recommend", "lot 1 of the contracted tender",
          _tender, lambda w: 1),
    _page("procurement:bid", "SIA Baltic UAV's opened bid",
          lambda w: w.lv_bid.public_id),
    *_pages(["procurement:bid_change", "procurement:bid_withdraw"],
            "SIA Baltic UAV's sealed bid", lambda w: w.sealed_bid.public_id),
    _page("procurement:bid_document", "the document of SIA Baltic UAV's sealed bid",
          lambda w: w.sealed_bid.public_id, lambda w: 0),
    *_pages(["procurement:award_approve", "procurement:complaint_file",
             "procurement:contract_sign"],
            "the award to SIA Baltic UAV", lambda w: w.award.pk),
    _page("procurement:complaint_decide", "UK Drones Ltd's complaint",
          lambda w: w.complaint.pk),
    *_pages(["procurement:contract", "procurement:delivery_report"],
            "SIA Baltic UAV's contract", lambda w: w.contract.pk),
    _page("procurement:delivery_decide", "SIA Baltic UAV's delivery",
          lambda w: w.delivery.pk),
    *_pages(["procurement:delivery", "procurement:receipt_confirm",
             "procurement:field_report_file"],
            "SIA Baltic UAV's delivery (not yet accepted)", lambda w: w.delivery.pk),
    *_pages(["procurement:discrepancy", "procurement:discrepancy_resolve"],
            "a receipt discrepancy that does not exist", lambda w: "DSC-2026-9999"),
    _page("procurement:field_report", "a field report that does not exist",
          lambda w: 999999),
    *_pages(["procurement:evaluation", "procurement:evaluation_declare",
             "procurement:evaluation_scores", "procurement:evaluation_submit"],
            "the evaluator's seat", lambda w: w.seat.pk),
    _page("procurement:evaluation_score", "the evaluator's seat, the Latvian bid",
          lambda w: w.seat.pk, lambda w: w.lv_bid.public_id),
])  # fmt: skip

WEB_OWNERS = {
    "attachment": JAPANESE,
    "case_comment": JAPANESE,
    "members:onboarding": JAPANESE,
    "members:step_complete": JAPANESE,
    "members:step_assign": JAPANESE,
    "members:document_upload": JAPANESE,
    "procurement:complaint_decide": UK_COMPANYS,
}


def web_object(key):
    """(what the page is about, its URL for the world) for a page key."""
    return WEB_OBJECTS.get(key) or _page(key, "no object")[1]


# ---------------------------------------------------------------- API

# The object of each collection that the operations on one item are asked about.
API_OBJECTS = {
    "adjustments": ("the pending adjustment", lambda w: w.adjustment.pk),
    "awards": ("the award to SIA Baltic UAV", lambda w: w.award.pk),
    "bank-statements": ("the bank statement", lambda w: w.statement.pk),
    "bids": ("SIA Baltic UAV's opened bid", lambda w: w.lv_bid.public_id),
    "capability-categories": ("reconnaissance", lambda w: "reconnaissance"),
    "cases": ("Japan's onboarding case", lambda w: _ref(w.onboarding)),
    "commitments": ("the commitment", lambda w: w.commitment.pk),
    "committee-members": ("the evaluator's seat", lambda w: w.seat.pk),
    "complaints": ("UK Drones Ltd's complaint", lambda w: w.complaint.pk),
    "contracts": ("SIA Baltic UAV's contract", lambda w: w.contract.pk),
    "contributions": ("Latvia's contribution", lambda w: w.contribution.pk),
    "deliveries": ("SIA Baltic UAV's delivery", lambda w: w.delivery.pk),
    "receipts": ("a receipt that does not exist", lambda w: 999999),
    "field-reports": ("a field report that does not exist", lambda w: 999999),
    "disbursements": ("the draft disbursement", lambda w: _ref(w.request)),
    "ledger-entries": ("a ledger entry", lambda w: w.ledger_entry.pk),
    "manufacturers": ("SIA Baltic UAV", lambda w: w.maker_lv.pk),
    "member-states": ("Latvia", lambda w: "LV"),
    "onboarding-cases": ("Japan's onboarding case", lambda w: _ref(w.onboarding)),
    "onboarding-steps": ("a step of Japan's case", lambda w: w.step.pk),
    "openers": ("an appointment that does not exist", lambda w: 999999),
    "pledges": ("Latvia's open pledge", lambda w: w.open_pledge.pk),
    "pools": ("the unrestricted pool", lambda w: "unrestricted"),
    "report-subscriptions": ("Latvia's liaison's subscription",
                             lambda w: w.subscription.pk),
    "reports": ("the report Latvia's liaison asked for", lambda w: w.report.pk),
    "requirements": ("the tender's requirement",
                     lambda w: w.tender.requirements.get().pk),
    "statement-lines": ("the statement's line", lambda w: w.line.pk),
    "tenders": ("the contracted tender", lambda w: _ref(w.tender)),
}  # fmt: skip

API_OWNERS = {
    "cases": JAPANESE,
    "onboarding-cases": JAPANESE,
    "onboarding-steps": JAPANESE,
    "complaints": UK_COMPANYS,
}


def api_collection(path: str) -> str:
    return path.removeprefix("/api/").split("/")[0]


# Operations asked about another object than their collection's.
API_OPERATION_OBJECTS = {
    **{path: ("SIA Baltic UAV's sealed bid", lambda w: w.sealed_bid.public_id)
       for path in ["/api/bids/{id}/change/", "/api/bids/{id}/offer/",
                    "/api/bids/{id}/withdraw/"]},
    "/api/disbursements/{reference}/check/": (
        "the submitted disbursement", lambda w: _ref(w.submitted)),
    **{path: ("the checked disbursement", lambda w: _ref(w.checked))
       for path in ["/api/disbursements/{reference}/approve/",
                    "/api/disbursements/{reference}/return/",
                    "/api/disbursements/{reference}/reject/",
                    "/api/disbursements/{reference}/pay/"]},
}  # fmt: skip


def api_path_value(path: str):
    """(what the operation is about, its path parameter's value for the world)
    for a schema path with a parameter."""
    return API_OPERATION_OBJECTS.get(path) or API_OBJECTS[api_collection(path)]


def api_object(path: str):
    """(what the operation is about, its URL for the world) for a schema path."""
    if "{" not in path:
        return ("no object", lambda w: path)
    what, value_of = api_path_value(path)

    def url(w):
        value = value_of(w)
        return re.sub(r"\{[^}]+\}", str(value), path)

    return (what, url)


def api_owners(path: str) -> Owners:
    return API_OWNERS.get(api_collection(path), LATVIAN)
