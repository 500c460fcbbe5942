"""A well-formed body for each API write, so that a request gets past the
serializer and the service itself decides whether the caller may act: an empty
body would be refused as 400 before the permission is asked."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.files import pdf
from tests.procurement.api_helpers import lot_body, requirement_body, tender_body
from tests.procurement.helpers import BIC, IBAN

TODAY = timezone.localdate().isoformat()


def _csv():
    return SimpleUploadedFile(
        "april.csv", b"date,amount,currency,reference\n2026-04-02,7.00,EUR,FEE-2\n",
        content_type="text/csv",
    )  # fmt: skip


def _json(data):
    return {"data": data, "format": "json"}


def _multipart(data):
    return {"data": data, "format": "multipart"}


def _reason():
    return _json({"reason": "Asked for by the co-leads"})


def _offer(lot):
    return _json({"lot": lot, "unit_price": "1400.00", "quantity": 10,
                  "delivery_schedule": "10 units by 2027-01-15"})  # fmt: skip


BODIES = {
    "POST /api/adjustments/": lambda w: _json(
        {"pool": "unrestricted", "amount_eur": "10.00", "reason": "Bank charges"}),
    "POST /api/adjustments/{id}/decide/": lambda w: _json({"approve": True}),
    "POST /api/auth/token/": lambda w: _json(
        {"username": "outsider", "password": "not-the-password"}),
    "POST /api/awards/": lambda w: _json({
        "lot": w.award.lot.pk, "bid": str(w.lv_bid.public_id),
        "justification": "Best score"}),
    "POST /api/awards/{id}/approve/": lambda w: _json({"comment": "Agreed"}),
    "POST /api/bank-statements/": lambda w: _multipart({"file": _csv()}),
    "POST /api/bids/": lambda w: _offer(w.sealed_tender.lots.get().pk),
    "POST /api/bids/{id}/change/": lambda w: _json({
        "unit_price": "1450.00", "quantity": 10,
        "delivery_schedule": "10 units by 2027-01-15"}),
    "POST /api/commitments/": lambda w: _json({
        "pool": "unrestricted", "amount_eur": "1000.00", "purpose": "Spares",
        "categories": ["reconnaissance"]}),
    "POST /api/commitments/{id}/release/": lambda w: _reason(),
    "POST /api/committee-members/": lambda w: _json({
        "tender": w.sealed_tender.case.reference,
        "evaluator": w.people.evaluator.pk}),
    "POST /api/committee-members/{id}/declare/": lambda w: _json({"conflict": False}),
    "POST /api/tenders/{reference}/opening-committee/": lambda w: _json({
        "members": [w.people.officer.pk, w.people.procurement.pk,
                    w.people.evaluator.pk],
        "threshold": 2,
    }),
    "POST /api/tenders/{reference}/opening-committee/reissue/": lambda w: _json(
        {"passphrases": {"1": "a long enough passphrase"}}
    ),
    "POST /api/openers/{id}/accept/": lambda w: _json({
        "passphrase": "a long enough passphrase",
        "passphrase_again": "a long enough passphrase",
    }),
    "POST /api/committee-members/{id}/scores/": lambda w: _json({
        "bid": str(w.lv_bid.public_id), "criterion": "price", "value": 80}),
    "POST /api/complaints/": lambda w: _json(
        {"award": w.award.pk, "text": "The scoring was unfair"}),
    "POST /api/complaints/{id}/decide/": lambda w: _json(
        {"uphold": False, "decision": "The scores stand"}),
    "POST /api/contracts/": lambda w: _json({"award": w.award.pk, "milestones": []}),
    "POST /api/contributions/": lambda w: _json({
        "pledge": w.pledge.pk, "amount": "10.00", "currency": "EUR",
        "received_on": str(w.pledge.fx_date)}),
    "POST /api/deliveries/": lambda w: _json({
        "contract": w.contract.pk, "milestone": w.contract.milestones.first().pk,
        "quantity": 1}),
    "POST /api/receipts/": lambda w: _json({
        "delivery": w.delivery.pk, "unit": 1, "quantity_received": 1,
        "received_on": TODAY, "place": "Kyiv", "serials": "SN-1",
        "condition": "good"}),
    "POST /api/field-reports/": lambda w: _json({
        "delivery": w.delivery.pk, "unit": 1,
        "ratings": {"technical": 3, "delivery": 3, "tests": 3, "supply_chain": 3},
        "lessons": "Works"}),
    "POST /api/deliveries/{id}/decide/": lambda w: _multipart({
        "quantity_accepted": 5, "test_site": "Sēlia military training ground",
        "tested_on": TODAY}),
    "POST /api/disbursements/": lambda w: _json({
        "commitment": w.commitment.pk, "payee_name": "SIA Drone Works",
        "payee_country": "LV", "payee_iban": IBAN, "payee_bic": BIC,
        "amount": "1000.00", "currency": "EUR", "purpose": "Milestone 2",
        "categories": ["reconnaissance"]}),
    "PATCH /api/disbursements/{reference}/": lambda w: _json(
        {"purpose": "Milestone 1, corrected"}),
    "POST /api/disbursements/{reference}/approve/": lambda w: _json(
        {"comment": "Approved"}),
    "POST /api/disbursements/{reference}/cancel/": lambda w: _reason(),
    "POST /api/disbursements/{reference}/check/": lambda w: _json(
        {"comment": "Checked"}),
    "POST /api/disbursements/{reference}/pay/": lambda w: _json({
        "payment_order": "PO-9", "bank_reference": "BANK-9", "paid_on": TODAY}),
    "POST /api/disbursements/{reference}/reject/": lambda w: _reason(),
    "POST /api/disbursements/{reference}/return/": lambda w: _reason(),
    "POST /api/manufacturers/": lambda w: _json({
        "member_state": "LV", "name": "SIA Riga Rotors", "registration_number": "LV7",
        "contact_name": "C", "contact_email": "c@x.example"}),
    "POST /api/manufacturers/{id}/bank-account/": lambda w: _json(
        {"iban": IBAN, "bic": BIC}),
    "POST /api/manufacturers/{id}/representatives/": lambda w: _json({
        "first_name": "Anna", "last_name": "Ozola",
        "email": "anna.ozola@balticuav.example.lv"}),
    "POST /api/manufacturers/{id}/representatives/deactivate/": lambda w: _json(
        {"user": w.rep_lv.pk}),
    "POST /api/manufacturers/{id}/supply-chain/": lambda w: _json(
        {"origins": {"motors": "DE"}}),
    "POST /api/manufacturers/{id}/test-results/": lambda w: _multipart({
        "capability": "reconnaissance", "product": "Recon quadcopter",
        "site": "Sēlia", "tested_on": TODAY, "outcome": "passed",
        "summary": "Passed"}),
    "POST /api/manufacturers/{id}/vet/": lambda w: _json(
        {"to_status": "suspended", "reason": "Export licence lapsed"}),
    "POST /api/member-states/{country}/constraints/": lambda w: _json(
        {"scope": "non_lethal", "reason": "National decision"}),
    "POST /api/member-states/{country}/transition/": lambda w: _json(
        {"to_status": "suspended", "reason": "Arrears"}),
    "POST /api/notifications/mark-read/": lambda w: _json({}),
    "PUT /api/notifications/preferences/": lambda w: _json({}),
    "POST /api/onboarding-cases/{reference}/comments/": lambda w: _json(
        {"body": "Acknowledged by phone"}),
    "POST /api/onboarding-cases/{reference}/documents/": lambda w: _multipart(
        {"file": pdf("note.pdf")}),
    "POST /api/onboarding-steps/{id}/assign/": lambda w: _json(
        {"owner": w.people.officer.pk}),
    "POST /api/onboarding-steps/{id}/complete/": lambda w: _multipart(
        {"note": "Acknowledged"}),
    "POST /api/pledges/": lambda w: _json({
        "member_state": "LV", "year": 2026, "amount": "100.00", "currency": "EUR"}),
    "POST /api/pledges/{id}/cancel/": lambda w: _reason(),
    "POST /api/report-subscriptions/": lambda w: _json(
        {"kind": "fund_statement", "format": "csv"}),
    "POST /api/reports/": lambda w: _json({"kind": "fund_statement", "format": "csv"}),
    "POST /api/requirements/": lambda w: _json(requirement_body()),
    "POST /api/requirements/submit/": lambda w: _json(
        {**requirement_body(), "unit": 1}),
    "POST /api/requirements/{id}/accept/": lambda w: _json({}),
    "POST /api/requirements/{id}/ask/": lambda w: _json({"question": "Which band?"}),
    "POST /api/requirements/{id}/decline/": lambda w: _reason(),
    "POST /api/requirements/{id}/answer/": lambda w: _json({"answer": "5.8 GHz"}),
    "POST /api/requirements/{id}/withdraw/": lambda w: _json({}),
    "POST /api/statement-lines/{id}/resolve/": lambda w: _json(
        {"note": "A bank fee"}),
    "POST /api/tenders/": lambda w: _json(
        tender_body(w.tender.requirements.get().pk)),
    "POST /api/tenders/{reference}/amend/": lambda w: _json(
        {"reason": "Typo", "description": "Lot 1: quadcopters"}),
    "POST /api/tenders/{reference}/cancel/": lambda w: _reason(),
    "POST /api/tenders/{reference}/clarifications/": lambda w: _json(
        {"question": "Night camera?"}),
    "POST /api/tenders/{reference}/clarifications/answer/": lambda w: _json(
        {"clarification": w.clarification.pk, "answer": "Yes"}),
    "POST /api/tenders/{reference}/lots/": lambda w: _json(lot_body()),
    "PATCH /api/tenders/{reference}/": lambda w: _json({"title": "Edited"}),
    "PUT /api/tenders/{reference}/": lambda w: _json(
        tender_body(w.tender.requirements.get().pk)),
}  # fmt: skip


def body_for(key, world) -> dict:
    """Keyword arguments for the test client: the body and its format."""
    if key in BODIES:
        return BODIES[key](world)
    method = key.split()[0]
    return {} if method in {"GET", "DELETE"} else _json({})
