"""The authorization matrix grown into agreement: every action the policy
declares (``policy.ACTIONS``, read when the test runs, so a new action is
walked as soon as it is declared), asked as every person of the world about
every object of the world of the action's model (own and other state's or
company's alike), four ways, and all four must give the same answer:

(a) the API: ``allowed_actions[verb]`` on the object's detail endpoint (for a
    person who may read it) is the policy's decision, and absent when the
    refusal is hidden;
(b) the page: the object's page offers the action (a link or form to the
    action's URL) iff the policy allows it, shows it disabled with the policy's
    reason when refused but not hidden, and says nothing of it when hidden;
(c) the service: calling the action's service (minimal valid input, in a
    savepoint rolled back after it) succeeds iff the policy allows it, and
    otherwise refuses with the policy's reason: ``PermissionDenied`` for who
    the person is, ``ConflictError`` for the object's state;
(d) the queue: the object is in ``policy.pending`` iff the policy allows it.

The maps below say how to ask the page (``PAGES``), the API (``API_DETAIL``)
and the service (``SERVICES``) for each action. An action without an entry must
be listed in ``NOT_YET`` with the reason, so that declaring an action forces a
decision (``test_every_action_is_walked_or_listed_as_not_yet``).
"""

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from members import services as members
from members.policy import MOVE_ACTIONS
from procurement import services as procurement
from procurement.models import TYPED_CRITERIA, Bid, BidStatus, Clarification, Opener
from secretariat.accounts.models import User
from secretariat.fund.models import Pool
from secretariat.fund.services import disbursements as dsb
from secretariat.fund.services import ledger as fund
from secretariat.kernel import policy
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.models import CapabilityCategory
from secretariat.kernel.roles import Role
from secretariat.kernel.services import case_comment_add
from secretariat.notifications.services import notification_mark_read
from secretariat.reports.services import report_request
from tests.factories import UserFactory
from tests.files import pdf
from tests.procurement.helpers import BIC, IBAN, ORIGINS
from tests.security.client import api_client, web_client

# The people asked: each role, both co-lead states' approvers, both liaisons
# (Latvia's own objects, Japan's case) and both companies' representatives.
PEOPLE = (
    "officer", "procurement", "finance", "approver_lv", "approver_uk", "evaluator",
    "liaison_lv", "liaison_jp", "rep_lv", "rep_gb", "admin", "outsider",
)  # fmt: skip


def _ref(obj) -> str:
    return obj.case.reference


# ------------------------------------------------------------------ the API

# A model's detail endpoint, by the model's label.
API_DETAIL: dict[str, Callable] = {
    "procurement.Award": lambda o: f"/api/awards/{o.pk}/",
    "procurement.Bid": lambda o: f"/api/bids/{o.public_id}/",
    "procurement.CommitteeMember": lambda o: f"/api/committee-members/{o.pk}/",
    "procurement.Complaint": lambda o: f"/api/complaints/{o.pk}/",
    "procurement.Contract": lambda o: f"/api/contracts/{o.pk}/",
    "procurement.Delivery": lambda o: f"/api/deliveries/{o.pk}/",
    "procurement.Manufacturer": lambda o: f"/api/manufacturers/{o.pk}/",
    "procurement.Opener": lambda o: f"/api/openers/{o.pk}/",
    "procurement.Requirement": lambda o: f"/api/requirements/{o.pk}/",
    "procurement.Tender": lambda o: f"/api/tenders/{_ref(o)}/",
    "members.MemberState": lambda o: f"/api/member-states/{o.country}/",
    "members.OnboardingCase": lambda o: f"/api/onboarding-cases/{_ref(o)}/",
    "members.OnboardingStep": lambda o: f"/api/onboarding-steps/{o.pk}/",
    "members.Pledge": lambda o: f"/api/pledges/{o.pk}/",
    "members.Contribution": lambda o: f"/api/contributions/{o.pk}/",
    "secretariat.Adjustment": lambda o: f"/api/adjustments/{o.pk}/",
    "secretariat.BankStatement": lambda o: f"/api/bank-statements/{o.pk}/",
    "secretariat.Commitment": lambda o: f"/api/commitments/{o.pk}/",
    "secretariat.DisbursementRequest": lambda o: f"/api/disbursements/{_ref(o)}/",
    "secretariat.LedgerEntry": lambda o: f"/api/ledger-entries/{o.pk}/",
    "secretariat.Pool": lambda o: f"/api/pools/{o.code}/",
    "secretariat.Report": lambda o: f"/api/reports/{o.pk}/",
    "secretariat.StatementLine": lambda o: f"/api/statement-lines/{o.pk}/",
}
# Models with actions but no detail endpoint of their own, and why.
NO_API_DETAIL = {
    "secretariat.RoleGrant": "role grants are asked for, confirmed and refused in "
    "the admin only (tests/secretariat/test_role_grants.py)",
    "secretariat.User": "people and their roles are administered in the admin only",
    "secretariat.Case": "a case is read through its subject and its timeline "
    "(/api/cases/{reference}/timeline/)",
    "procurement.Lot": "a lot is shown inside its tender (/api/tenders/{reference}/)",
    "secretariat.Notification": "a person's notifications are listed at "
    "/api/notifications/ and marked read at /api/notifications/mark-read/",
    "procurement.Discrepancy": "a receipt discrepancy is read on its case's page; "
    "not in the API yet",
    "procurement.MilitaryUnit": "units are reference data kept in the admin; a "
    "requirement is submitted for one at /api/requirements/submit/",
}

# ---------------------------------------------------------------- the pages


@dataclass(frozen=True)
class Page:
    """Where a person meets an action: the page that shows its button
    (``page``), the URL the button leads to (``url``) and, when the page
    words it otherwise, the button's label (the action's own by default)."""

    page: Callable
    url: Callable
    label: str | None = None


def _tender_page(tender):
    return reverse("procurement:tender", args=[_ref(tender)])


def _award_tender_page(award):
    return _tender_page(award.lot.tender)


def _contract_page(contract):
    return reverse("procurement:contract", args=[contract.pk])


def _url(name, *args):
    return lambda o: reverse(name, args=[arg(o) for arg in args])


def _pk(o):
    return o.pk


def _member_page(state):
    return reverse("members:detail", args=[state.country])


def _onboarding_page(obj):
    onboarding = getattr(obj, "onboarding", obj)
    return reverse("members:onboarding", args=[_ref(onboarding)])


def _manufacturer_page(maker):
    return reverse("procurement:manufacturer", args=[maker.pk])


def _disbursement_page(request):
    return reverse("disbursement", args=[_ref(request)])


def _seat_page(member):
    return reverse("procurement:evaluation", args=[member.pk])


def _fixed(name, *args):
    return lambda o: reverse(name, args=args)


def _case_page(case):
    """A case's comments are on its subject's page."""
    onboarding = getattr(case, "onboarding", None)
    if onboarding is not None:
        return _onboarding_page(onboarding)
    return _disbursement_page(case.disbursement)


def _unit_of(user):
    """One of the units the person is an end user of, if any."""
    from procurement.models import MilitaryUnit

    return MilitaryUnit.objects.filter(people=user).first()


def _tender_action(name):
    return Page(_tender_page, _url(f"procurement:{name}", _ref))


def _disbursement_action(name):
    return Page(_disbursement_page, _url(name, _ref))


PAGES: dict[str, Page] = {
    # members
    **{
        name: Page(_member_page, _url("members:transition",
                                      lambda o: o.country, lambda o, s=status: s))
        for status, name in MOVE_ACTIONS.items()
    },
    "memberstate.set_constraints": Page(
        _member_page, _url("members:constraints", lambda o: o.country)),
    "memberstate.invite_liaison": Page(
        _member_page, _url("members:liaison_invite", lambda o: o.country)),
    "memberstate.resend_liaison_invitation": Page(
        lambda u: _member_page(u.member_state),
        _url("members:liaison_resend", lambda u: u.member_state.country, _pk)),
    "onboardingstep.assign": Page(_onboarding_page, _url(
        "members:step_assign", lambda s: _ref(s.onboarding), _pk)),
    "onboardingstep.complete": Page(_onboarding_page, _url(
        "members:step_complete", lambda s: _ref(s.onboarding), _pk)),
    "onboardingcase.upload_document": Page(
        _onboarding_page, _url("members:document_upload", _ref)),
    "pledge.record": Page(
        _member_page, _url("members:pledge_create", lambda o: o.country)),
    "pledge.cancel": Page(
        lambda p: _member_page(p.member_state), _url("members:pledge_cancel", _pk)),
    "contribution.record": Page(
        lambda p: _member_page(p.member_state),
        _url("members:contribution_create", _pk)),
    # manufacturers
    "manufacturer.vet": Page(_manufacturer_page, _url(
        "procurement:manufacturer_vet", _pk, lambda o: "suspended")),
    "manufacturer.declare_supply_chain": Page(
        _manufacturer_page, _url("procurement:manufacturer_supply_chain", _pk)),
    "manufacturer.record_test": Page(
        _manufacturer_page, _url("procurement:manufacturer_test_record", _pk)),
    "manufacturer.set_bank_account": Page(
        _manufacturer_page, _url("procurement:manufacturer_bank_account", _pk)),
    "manufacturer.invite_representative": Page(
        _manufacturer_page, _url("procurement:representative_invite", _pk)),
    "manufacturer.deactivate_representative": Page(
        _manufacturer_page,
        lambda o: reverse("procurement:representative_deactivate",
                          args=[o.pk, _representative_of(o).pk])),
    # tenders
    "requirement.record": Page(
        _fixed("procurement:requirement_list"),
        _fixed("procurement:requirement_create")),
    # Ukraine's units' requirements: submitted from the list, each move a
    # button of the requirement's page.
    "requirement.submit": Page(
        _fixed("procurement:requirement_list"),
        _fixed("procurement:requirement_submit")),
    **{f"requirement.{move}": Page(
        lambda r: r.get_absolute_url(),
        (lambda m: lambda r: reverse(
            "procurement:requirement_move", args=[r.reference, m]))(move),
    ) for move in ("accept", "ask", "decline", "answer", "withdraw")},
    "tender.create": Page(
        _fixed("procurement:tender_list"), _fixed("procurement:tender_create")),
    # The menu's link, on every page (the tender list's among them).
    "tender.view_red_flags": Page(
        _fixed("procurement:tender_list"), _fixed("procurement:red_flags")),
    "tender.edit": _tender_action("tender_edit"),
    "tender.add_lot": _tender_action("lot_add"),
    "tender.publish": _tender_action("tender_publish"),
    "tender.amend": _tender_action("tender_amend"),
    "tender.cancel": _tender_action("tender_cancel"),
    "tender.open": _tender_action("tender_open"),
    "tender.start_evaluation": _tender_action("tender_start_evaluation"),
    "committee.appoint": _tender_action("committee_appoint"),
    "tender.name_opening_committee": _tender_action("opening_committee_name"),
    "tender.replace_opener": _tender_action("opener_replace"),
    "tender.reissue_share": _tender_action("opener_reissue"),
    # A member's appointment waits on their landing page.
    "opener.accept": Page(_fixed("start"), _url("procurement:opener_accept", _pk)),
    "clarification.ask": _tender_action("clarification_ask"),
    "clarification.answer": Page(
        _tender_page,
        lambda t: reverse("procurement:clarification_answer",
                          args=[_ref(t), t.clarifications.order_by("pk").first().pk])),
    # bids and evaluation
    "bid.submit": Page(
        lambda lot: _tender_page(lot.tender),
        _url("procurement:bid_submit", lambda lot: _ref(lot.tender),
             lambda lot: lot.number)),
    "bid.change": Page(
        _url("procurement:bid", lambda b: b.public_id),
        _url("procurement:bid_change", lambda b: b.public_id)),
    "bid.withdraw": Page(
        _url("procurement:bid", lambda b: b.public_id),
        _url("procurement:bid_withdraw", lambda b: b.public_id)),
    "committee.declare": Page(
        _seat_page, _url("procurement:evaluation_declare", _pk)),
    "scoresheet.score": Page(
        _seat_page,
        lambda m: reverse("procurement:evaluation_score",
                          args=[m.pk, _bid_of_seat(m).public_id])),
    "scoresheet.submit": Page(
        _seat_page, _url("procurement:evaluation_submit", _pk)),
    # awards, contracts, deliveries
    "award.recommend": Page(
        lambda lot: _tender_page(lot.tender),
        _url("procurement:award_recommend", lambda lot: _ref(lot.tender),
             lambda lot: lot.number)),
    "award.approve": Page(_award_tender_page, _url("procurement:award_approve", _pk)),
    "complaint.file": Page(_award_tender_page, _url("procurement:complaint_file", _pk)),
    "contract.sign": Page(_award_tender_page, _url("procurement:contract_sign", _pk)),
    "complaint.decide": Page(
        lambda c: _award_tender_page(c.award),
        _url("procurement:complaint_decide", _pk),
    ),
    "delivery.report": Page(_contract_page, _url("procurement:delivery_report", _pk)),
    "delivery.decide": Page(
        lambda d: _contract_page(d.contract),
        _url("procurement:delivery_decide", _pk),
    ),
    "receipt.confirm": Page(
        lambda d: d.get_absolute_url(), _url("procurement:receipt_confirm", _pk)
    ),
    "field_report.file": Page(
        lambda d: d.get_absolute_url(), _url("procurement:field_report_file", _pk)
    ),
    "discrepancy.resolve": Page(
        lambda d: d.get_absolute_url(),
        _url("procurement:discrepancy_resolve", lambda d: d.case.reference),
    ),
    # the fund
    "disbursement.prepare": Page(
        _fixed("disbursement_list"), _fixed("disbursement_prepare")),
    "disbursement.edit": _disbursement_action("disbursement_edit"),
    "disbursement.add_document": _disbursement_action("disbursement_document_add"),
    **{
        f"disbursement.{verb}": _disbursement_action(f"disbursement_{verb}")
        for verb in ["adopt", "submit", "check", "approve", "return", "reject",
                     "cancel", "pay"]
    },
    "commitment.create": Page(
        _fixed("commitment_list"), _fixed("commitment_create")),
    "commitment.release": Page(
        _fixed("commitment_list"), _url("commitment_release", _pk)),
    "adjustment.request": Page(
        _fixed("adjustment_list"), _fixed("adjustment_create")),
    "adjustment.approve": Page(
        _fixed("adjustment_list"),
        lambda o: reverse("adjustment_decide", args=[o.pk]) + "?decision=approve"),
    "adjustment.reject": Page(
        _fixed("adjustment_list"),
        lambda o: reverse("adjustment_decide", args=[o.pk]) + "?decision=reject"),
    "statementline.resolve": Page(
        lambda line: reverse("bank_statement", args=[line.statement_id]),
        _url("statement_line_resolve", lambda line: line.statement_id, _pk)),
    "ledger.export": Page(_fixed("ledger"), _fixed("ledger_export")),
    # the kernel and the reports
    "case.comment": Page(_case_page, _url("case_comment", lambda c: c.reference)),
    "report.read": Page(
        _fixed("report_list"), _url("report_download", _pk)),
}  # fmt: skip

# -------------------------------------------------------------- the services


def _milestones(award):
    return [(timezone.localdate() + timedelta(days=30), award.lot.quantity)]


def _today():
    return timezone.localdate()


def _category():
    return CapabilityCategory.objects.get(code="reconnaissance")


def _pool():
    return Pool.objects.get(code="unrestricted")


def _representative_of(manufacturer):
    return User.objects.filter(manufacturer=manufacturer).order_by("pk").first()


def _open_requirement(world):
    return procurement.requirement_record(
        actor=world.people.procurement,
        title="Spare batteries",
        capability=_category(),
        quantity=10,
        specification="Li-ion",
        priority="high",
        needed_by=_today() + timedelta(days=200),
    )


def _bid_for_lot(lot):
    return lot.bids.filter(status=BidStatus.SUBMITTED).order_by("pk").first()


def _bid_of_seat(member):
    return (
        Bid.objects.filter(lot__tender=member.tender, status=BidStatus.SUBMITTED)
        .order_by("pk")
        .first()
    )


OFFER = {
    "unit_price": Decimal("1300.00"), "quantity": 250,
    "delivery_schedule": "250 units by 2027-01-15",
    "compliance": {"night_camera": "yes"},
}  # fmt: skip


def _transition(to_status):
    return lambda w, o, a: members.member_transition(
        member_state=o, to_status=to_status, actor=a, reason="As decided.",
        evidence_file=pdf("evidence.pdf"),
    )  # fmt: skip


# action -> call(world, obj, actor): the action's service with minimal valid
# input.
SERVICES: dict[str, Callable] = {
    # members
    **{name: _transition(status) for status, name in MOVE_ACTIONS.items()},
    "memberstate.register": lambda w, o, a: members.member_state_register(
        country="FR", name="France", actor=a
    ),
    "memberstate.set_constraints": lambda w, o, a: members.member_set_constraints(
        member_state=o, actor=a, scope="non_lethal", reason="Parliament decided."
    ),
    "memberstate.invite_liaison": lambda w, o, a: members.liaison_invite(
        member_state=o,
        actor=a,
        email="another@state.example",
        first_name="An",
        last_name="Other",
    ),
    "memberstate.resend_liaison_invitation": lambda w, o, a: (
        members.liaison_invitation_resend(user=o, actor=a)
    ),
    "onboardingstep.assign": lambda w, o, a: members.onboarding_step_assign(
        step=o, actor=a, owner=w.people.officer, due_date=None
    ),
    "onboardingstep.complete": lambda w, o, a: members.onboarding_step_complete(
        step=o, actor=a, note="Done."
    ),
    "onboardingcase.upload_document": lambda w, o, a: (
        members.onboarding_document_upload(
            onboarding=o, actor=a, uploaded_file=pdf("letter.pdf")
        )
    ),
    "pledge.record": lambda w, o, a: members.pledge_record(
        member_state=o, actor=a, year=2028, amount=Decimal("1000"), currency="EUR"
    ),
    "pledge.cancel": lambda w, o, a: members.pledge_cancel(
        pledge=o, actor=a, reason="Recorded by mistake."
    ),
    "contribution.record": lambda w, o, a: members.contribution_record(
        pledge=o,
        actor=a,
        amount=Decimal("1.00"),
        currency="EUR",
        received_on=o.fx_date or _today(),
    ),
    # manufacturers
    "manufacturer.nominate": lambda w, o, a: procurement.manufacturer_nominate(
        actor=a,
        member_state=o,
        name="New Maker",
        registration_number="NEW1",
        contact_name="C",
        contact_email="c@new.example",
    ),
    "manufacturer.vet": lambda w, o, a: procurement.manufacturer_vet(
        manufacturer=o, actor=a, to_status="suspended", reason="Audit."
    ),
    "manufacturer.declare_supply_chain": lambda w, o, a: (
        procurement.supply_chain_declare(manufacturer=o, actor=a, origins=ORIGINS)
    ),
    "manufacturer.record_test": lambda w, o, a: procurement.manufacturer_test_record(
        manufacturer=o,
        actor=a,
        capability=_category(),
        product="Q1",
        site="Ādaži",
        tested_on=_today(),
        outcome="passed",
        summary="Flew.",
    ),
    "manufacturer.invite_representative": lambda w, o, a: (
        procurement.representative_invite(
            manufacturer=o,
            actor=a,
            email="rep@new.example",
            first_name="R",
            last_name="Ep",
        )
    ),
    "manufacturer.deactivate_representative": lambda w, o, a: (
        procurement.representative_deactivate(
            manufacturer=o, representative=_representative_of(o), actor=a
        )
    ),
    "manufacturer.set_bank_account": lambda w, o, a: (
        procurement.manufacturer_bank_account_set(
            manufacturer=o, actor=a, iban=IBAN, bic=BIC
        )
    ),
    # tenders
    "requirement.record": lambda w, o, a: procurement.requirement_record(
        actor=a,
        title="More drones",
        capability=_category(),
        quantity=10,
        specification="Camera",
        priority="high",
        needed_by=_today() + timedelta(days=200),
    ),
    "requirement.submit": lambda w, o, a: procurement.requirement_submit(
        actor=a,
        unit=o,
        title="More drones",
        capability=_category(),
        quantity=10,
        specification="Camera",
        priority="high",
        needed_by=_today() + timedelta(days=200),
    ),
    "requirement.accept": lambda w, o, a: procurement.requirement_accept(
        requirement=o, actor=a
    ),
    "requirement.ask": lambda w, o, a: procurement.requirement_ask(
        requirement=o, actor=a, question="Which band?"
    ),
    "requirement.decline": lambda w, o, a: procurement.requirement_decline(
        requirement=o, actor=a, reason="Covered by another."
    ),
    "requirement.answer": lambda w, o, a: procurement.requirement_answer(
        requirement=o, actor=a, answer="5.8 GHz"
    ),
    "requirement.withdraw": lambda w, o, a: procurement.requirement_withdraw(
        requirement=o, actor=a
    ),
    "tender.create": lambda w, o, a: procurement.tender_create(
        actor=a,
        title="More drones",
        description="Lot 1",
        requirements=[_open_requirement(w)],
        pool=_pool(),
        clarification_deadline=timezone.now() + timedelta(days=10),
        submission_deadline=timezone.now() + timedelta(days=20),
    ),
    "tender.edit": lambda w, o, a: procurement.tender_update(
        tender=o, actor=a, title="Renamed"
    ),
    "tender.add_lot": lambda w, o, a: procurement.lot_add(
        tender=o,
        actor=a,
        title="Lot 2",
        capability=_category(),
        quantity=5,
        max_unit_price=Decimal("2000"),
        delivery_from=_today() + timedelta(days=60),
        delivery_to=_today() + timedelta(days=90),
    ),
    "tender.publish": lambda w, o, a: procurement.tender_publish(tender=o, actor=a),
    "tender.amend": lambda w, o, a: procurement.tender_amend(
        tender=o, actor=a, reason="A clearer lot.", description="Lot 1, clearer"
    ),
    "tender.cancel": lambda w, o, a: procurement.tender_cancel(
        tender=o, actor=a, reason="No longer needed."
    ),
    "tender.open": lambda w, o, a: procurement.tender_open(tender=o, actor=a),
    "tender.name_opening_committee": lambda w, o, a: procurement.opening_committee_name(
        tender=o,
        actor=a,
        members=[w.people.officer, w.people.procurement, w.people.evaluator],
        threshold=2,
    ),
    "tender.replace_opener": lambda w, o, a: procurement.opener_replace(
        tender=o,
        actor=a,
        replaced=Opener.objects.filter(committee__tender=o).first(),
        person=UserFactory(roles=[Role.EVALUATOR]),
    ),
    "tender.reissue_share": lambda w, o, a: procurement.opener_shares_reissue(
        tender=o, actor=a, passphrases={}
    ),
    "opener.accept": lambda w, o, a: procurement.opener_accept(
        opener=o,
        actor=a,
        passphrase="a long enough passphrase",
        passphrase_again="a long enough passphrase",
    ),
    "tender.start_evaluation": lambda w, o, a: procurement.tender_start_evaluation(
        tender=o, actor=a
    ),
    "clarification.ask": lambda w, o, a: procurement.clarification_ask(
        tender=o, actor=a, question="Which frequencies?"
    ),
    "clarification.answer": lambda w, o, a: procurement.clarification_answer(
        clarification=o.clarifications.order_by("pk").first()
        or Clarification.objects.create(
            tender=o, question="Colours?", asked_by=w.rep_lv
        ),
        actor=a,
        answer="Yes.",
    ),
    # bids
    "bid.submit": lambda w, o, a: procurement.bid_submit(lot=o, actor=a, **OFFER),
    "bid.change": lambda w, o, a: procurement.bid_change(
        bid=o, actor=a, keep_documents=True, **OFFER
    ),
    "bid.withdraw": lambda w, o, a: procurement.bid_withdraw(bid=o, actor=a),
    "bid.read_offer": lambda w, o, a: procurement.bid_offer(o, user=a),
    # evaluation
    "committee.appoint": lambda w, o, a: procurement.committee_appoint(
        tender=o, actor=a, evaluator=UserFactory(roles=[Role.EVALUATOR])
    ),
    "committee.declare": lambda w, o, a: procurement.committee_declare(
        member=o, actor=a, conflict=False
    ),
    "scoresheet.score": lambda w, o, a: procurement.score_record(
        member=o, actor=a, bid=_bid_of_seat(o), criterion=TYPED_CRITERIA[0], value=3
    ),
    "scoresheet.submit": lambda w, o, a: procurement.scoresheet_submit(
        member=o, actor=a
    ),
    # awards, contracts, deliveries
    "award.recommend": lambda w, o, a: procurement.award_recommend(
        lot=o, bid=_bid_for_lot(o), actor=a, justification="The best offer."
    ),
    "award.approve": lambda w, o, a: procurement.award_approve(
        award=o, actor=a, comment="Agreed."
    ),
    "complaint.file": lambda w, o, a: procurement.complaint_file(
        award=o, actor=a, text="The scoring was unfair."
    ),
    "complaint.decide": lambda w, o, a: procurement.complaint_decide(
        complaint=o, actor=a, uphold=False, decision="The scoring stands."
    ),
    "contract.sign": lambda w, o, a: procurement.contract_sign(
        award=o, actor=a, milestones=_milestones(o)
    ),
    "delivery.report": lambda w, o, a: procurement.delivery_report(
        contract=o, milestone=o.milestones.first(), actor=a, quantity=1
    ),
    "delivery.decide": lambda w, o, a: procurement.delivery_decide(
        delivery=o,
        actor=a,
        quantity_accepted=o.quantity,
        test_site="Ādaži",
        tested_on=_today(),
    ),
    "receipt.confirm": lambda w, o, a: procurement.receipt_confirm(
        delivery=o,
        actor=a,
        unit=_unit_of(a),
        quantity_received=o.quantity_accepted,
        received_on=_today(),
        place="Kyiv",
        serials="SN-1 to SN-9",
        condition="good",
    ),
    "field_report.file": lambda w, o, a: procurement.field_report_file(
        delivery=o,
        actor=a,
        unit=_unit_of(a),
        ratings={c: 3 for c in TYPED_CRITERIA},
        lessons="Works.",
    ),
    "discrepancy.resolve": lambda w, o, a: procurement.discrepancy_resolve(
        discrepancy=o, actor=a, resolution="Units replaced."
    ),
    # the fund
    "commitment.create": lambda w, o, a: fund.commitment_create(
        pool=_pool(),
        amount_eur=Decimal("1.00"),
        purpose="Spare parts",
        categories=[_category()],
        actor=a,
    ),
    "commitment.release": lambda w, o, a: fund.commitment_release(
        commitment=o, actor=a, reason="Not needed."
    ),
    "adjustment.request": lambda w, o, a: fund.adjustment_request(
        pool=_pool(), amount_eur=Decimal("1.00"), reason="Bank charges", actor=a
    ),
    "adjustment.approve": lambda w, o, a: fund.adjustment_decide(
        adjustment=o, actor=a, approve=True
    ),
    "adjustment.reject": lambda w, o, a: fund.adjustment_decide(
        adjustment=o, actor=a, approve=False
    ),
    "statement.import": lambda w, o, a: dsb.statement_import(
        actor=a,
        file_name="april.csv",
        content=b"date,amount,currency,reference\n2026-04-02,6.00,EUR,FEE-2\n",
    ),
    "statementline.resolve": lambda w, o, a: dsb.statement_line_resolve(
        line=o, actor=a, note="Bank fee."
    ),
    "disbursement.prepare": lambda w, o, a: dsb.disbursement_prepare(
        actor=a,
        commitment=w.commitment,
        payee_name="SIA Drone Works",
        payee_country="LV",
        payee_iban=IBAN,
        payee_bic=BIC,
        amount=Decimal("100.00"),
        currency="EUR",
        purpose="Spare parts",
        categories=[_category()],
    ),
    "disbursement.adopt": lambda w, o, a: dsb.disbursement_adopt(request=o, actor=a),
    "disbursement.edit": lambda w, o, a: dsb.disbursement_update(
        request=o, actor=a, purpose="Spare parts, corrected"
    ),
    "disbursement.add_document": lambda w, o, a: dsb.disbursement_document_add(
        request=o, actor=a, uploaded_file=pdf("invoice.pdf")
    ),
    "disbursement.submit": lambda w, o, a: dsb.disbursement_submit(request=o, actor=a),
    "disbursement.check": lambda w, o, a: dsb.disbursement_check(request=o, actor=a),
    "disbursement.approve": lambda w, o, a: dsb.disbursement_approve(
        request=o, actor=a
    ),
    "disbursement.return": lambda w, o, a: dsb.disbursement_return(
        request=o, actor=a, reason="Wrong payee."
    ),
    "disbursement.reject": lambda w, o, a: dsb.disbursement_reject(
        request=o, actor=a, reason="Not eligible."
    ),
    "disbursement.cancel": lambda w, o, a: dsb.disbursement_cancel(
        request=o, actor=a, reason="Duplicate."
    ),
    "disbursement.pay": lambda w, o, a: dsb.disbursement_mark_paid(
        request=o,
        actor=a,
        payment_order="PO-1",
        bank_reference="BANK-1",
        paid_on=_today(),
    ),
    "disbursement.reconcile": lambda w, o, a: dsb.statement_line_resolve(
        line=w.line, actor=a, note="Paid.", request=o
    ),
    # the kernel and the reports
    "case.comment": lambda w, o, a: case_comment_add(
        case=o, actor=a, body="A comment."
    ),
    "report.request": lambda w, o, a: report_request(actor=a, kind=o, format="csv"),
    "notification.mark_read": lambda w, o, a: notification_mark_read(
        notification=o, actor=a
    ),
}

# Actions not walked (yet) one way or another, and why. The sets must be exactly
# the actions without an entry in the maps above.
# Two people for privilege (secretariat.accounts.policy).
ROLE_ACTIONS = [
    "role_grant.request",
    "role_grant.confirm",
    "role_grant.refuse",
    "role.remove",
]
NOT_YET: dict[str, str] = {
    "onboardingstep.provide": "a task of the state's liaison (Waiting for you): "
    "the document is sent with onboardingcase.upload_document",
    "tender.answer_questions": "a task, not a service: each question is "
    "answered with clarification.answer",
    "tender.manage": "a permission for the tender's pages, not an action with a "
    "service of its own (each move it covers has its own action)",
    "manufacturer.manage_representatives": "a permission for the "
    "representatives' page; inviting and deactivating are actions of their own",
    "pledge.enter_rate": "part of recording a pledge (who may type the exchange "
    "rate), asked by pledge.record's service, not a service of its own",
    "ledger.export": "a download (the report view), no service",
    "report.read": "reading a report is its download view; no service takes the reader",
    "tender.view_red_flags": "reading the red flags is their page and endpoint; "
    "no service takes the reader",
    "manufacturer.view_track_record": "reading a track record is a panel of the "
    "manufacturer's, tender's and evaluation pages; no service takes the reader "
    "(tests/procurement/test_track_record.py walks it object by object)",
    "requirement.review": "a task, not a service: a submitted requirement is "
    "reviewed with requirement.accept, requirement.ask or requirement.decline",
    **dict.fromkeys(
        ROLE_ACTIONS,
        "administrators' actions on people, done in the admin only; walked person by "
        "person in tests/secretariat/test_role_grants.py",
    ),
}
NO_PAGE: dict[str, str] = {
    **dict.fromkeys(
        ROLE_ACTIONS,
        "the admin's user form and role grants list (tests/secretariat/"
        "test_role_grants.py)",
    ),
    "manufacturer.view_track_record": "a panel shown or not on the pages, not a "
    "button (tests/procurement/test_track_record.py)",
    "requirement.review": "a task in My work; the requirement page's Accept, Ask "
    "and Decline buttons do it",
    "onboardingstep.provide": "a task on the landing page; it links to the "
    "upload form (onboardingcase.upload_document)",
    "tender.answer_questions": "a task in My work; the tender page's Answer "
    "links (clarification.answer) do it",
    "memberstate.register": "states are added to the register in the admin",
    "pledge.enter_rate": "a field of the pledge form, not a button",
    "manufacturer.manage_representatives": "a permission for the page; its "
    "buttons are inviting and deactivating",
    "tender.manage": "a permission for the tender's pages; each move has its own",
    "bid.read_offer": "reading is the bid's page itself",
    "disbursement.reconcile": "reconciled by resolving a statement line",
    "report.request": "a choice of the report form (the kinds offered), not a button",
    "statement.import": "the upload form on the statements page",
    "manufacturer.nominate": "the list's link opens one form for whichever "
    "state the person may nominate for; the form offers those states",
    "notification.mark_read": "a tick on the person's own notifications list "
    "(tests/secretariat/test_list_exports.py), not a button on an object's page",
}

# Actions whose object is not one of their model's objects in the world: the
# model-level ones (creating something: the object is ``None``) and those
# asked about another kind of object.
NOTHING = [("nothing", None)]
OBJECTS: dict[str, Callable] = {
    **{name: lambda w: NOTHING for name in [
        "memberstate.register", "requirement.record", "tender.create",
        "commitment.create", "adjustment.request", "statement.import",
        "ledger.export", "tender.view_red_flags", "manufacturer.view_track_record",
    ]},
    "memberstate.resend_liaison_invitation": lambda w: [
        ("Latvia's invited liaison", w.pending_liaison)
    ],
    "disbursement.prepare": lambda w: NOTHING,
    "case.comment": lambda w: [
        ("Japan's onboarding case", w.onboarding.case),
        ("the draft disbursement's case", w.request.case),
    ],
    "report.request": lambda w: [
        ("the fund statement", "fund_statement"),
        ("the onboarding report", "onboarding"),
    ],
    "manufacturer.nominate": lambda w: [
        ("Latvia", w.people.liaison_lv.member_state),
        ("Japan", w.people.liaison_jp.member_state),
    ],
    "clarification.answer": lambda w: [("the contracted tender", w.tender)],
}  # fmt: skip

# ------------------------------------------------------------------ the world


def _extra_objects(world):
    """Objects of the world that are not one of its fields."""
    return [
        world.people.liaison_lv.member_state,
        world.people.liaison_jp.member_state,
        world.tender.lots.first(),
        world.sealed_tender.lots.first(),
    ]


def objects_of(world, model) -> list[tuple[str, object]]:
    """(name, a fresh copy) of each object of ``model`` in the world; the first
    few from the database if the world holds none."""
    model = model._meta.concrete_model
    found = {}
    candidates = [(f.name, getattr(world, f.name)) for f in fields(world)]
    candidates += [(str(o), o) for o in _extra_objects(world)]
    for name, value in candidates:
        if isinstance(value, model) and value.pk not in found:
            found[value.pk] = name
    if not found:
        for obj in model._default_manager.order_by("pk")[:3]:
            found[obj.pk] = f"{model.__name__} {obj.pk}"
    fresh = model._default_manager.in_bulk(list(found))
    return [(name, fresh[pk]) for pk, name in found.items() if pk in fresh]


def _fresh(obj):
    if not isinstance(obj, Model):
        return obj
    return type(obj)._default_manager.get(pk=obj.pk)


def _label(model) -> str:
    return model._meta.concrete_model._meta.label


# --------------------------------------------------------------- the asking


def _in_savepoint(call):
    with transaction.atomic():
        result = call()
        transaction.set_rollback(True)
    return result


def _service_outcome(call, world, obj, actor) -> tuple[str, str, str]:
    """("done", "", "") or ("refused", kind, message) or ("crash", type, text)."""
    try:
        _in_savepoint(lambda: call(world, _fresh(obj), actor))
    except ConflictError as exc:
        return ("refused", policy.STATE, str(exc.message))
    except ApplicationError as exc:
        return ("refused", "rule", str(exc.message))
    except PermissionDenied as exc:
        return ("refused", policy.WHO, str(exc))
    except Exception as exc:  # noqa: BLE001 - a crash is an answer to report
        return ("crash", type(exc).__name__, str(exc))
    return ("done", "", "")


def _expected_service(decision) -> tuple[str, str, str]:
    if decision.allowed:
        return ("done", "", "")
    return ("refused", decision.kind, decision.reason)


def _link(html: str, url: str) -> bool:
    # The URL itself, or with a query that says which choice of its form.
    pattern = rf'\b(href|action)="{re.escape(url)}(?:[?&][^"]*)?"'
    return bool(re.search(pattern, html))


def _disabled_button(html: str, label: str) -> bool:
    return bool(
        re.search(
            rf"<button\b[^>]*\bdisabled\b[^>]*>\s*{re.escape(escape(label))}\s*</button>",
            html,
        )
    )


def _page_answer(html: str, url: str, label: str, reason: str) -> str:
    if _link(html, url):
        return "enabled"
    if reason and escape(reason) in html and _disabled_button(html, label):
        return "disabled with the reason"
    if reason and escape(reason) in html:
        return "reason shown without a disabled button"
    if _disabled_button(html, label):
        return "disabled without the reason"
    return "absent"


# What the page may show for each answer of the policy: a refusal the person
# may know of is shown with its reason, as a disabled button or in words.
PAGE_AGREES = {
    "enabled": {"enabled"},
    "refused": {"disabled with the reason", "reason shown without a disabled button"},
    "hidden": {"absent"},
}


def _expected_page(decision) -> str:
    if decision.allowed:
        return "enabled"
    return "hidden" if decision.hidden else "refused"


class Asked:
    """Every answer asked once: one client per person, one GET per page or
    endpoint per person (each in a savepoint)."""

    def __init__(self, world):
        self.world = world
        # Read again, as a request would: the world's copies keep relations
        # (a liaison's state) as they were when the world was being built.
        self.users = {who: User.objects.get(pk=world.user(who).pk) for who in PEOPLE}
        self.web = {}
        self.api = {}
        self.answers = {}

    def _get(self, kind, who, url):
        key = (kind, who, url)
        if key not in self.answers:
            clients = self.web if kind == "web" else self.api
            if who not in clients:
                make = web_client if kind == "web" else api_client
                clients[who] = make(self.users[who])
            response = _in_savepoint(lambda: clients[who].get(url))
            body = response.content.decode() if response.status_code == 200 else ""
            if kind == "api" and body:
                body = response.json()
            self.answers[key] = (response.status_code, body)
        return self.answers[key]

    def page(self, who, url):
        return self._get("web", who, url)

    def api_detail(self, who, url):
        return self._get("api", who, url)


@dataclass
class Disagreements:
    found: dict = None

    def __post_init__(self):
        self.found = defaultdict(list)

    def add(self, way, name, obj_name, who, expected, got):
        self.found[way].append(
            f"  {name} on {obj_name} as {who}: the policy says {expected}, "
            f"{way} says {got}"
        )

    def report(self) -> str:
        lines = []
        for way, rows in sorted(self.found.items()):
            lines.append(f"{way} ({len(rows)}):")
            lines.extend(rows)
        return "\n".join(lines)


def _of_the_model(act, obj) -> bool:
    """The object is one of the action's model's (the API lists the actions of
    an object's model, and the queue filters that model's objects)."""
    return (
        isinstance(obj, Model)
        and act.model is not None
        and _label(type(obj)) == _label(act.model)
    )


def _api_check(asked, act, obj, obj_name, who, decision, out):
    model_label = _label(act.model) if act.model else None
    if model_label not in API_DETAIL or not _of_the_model(act, obj):
        return
    status, body = asked.api_detail(who, API_DETAIL[model_label](obj))
    if status != 200:
        if decision.allowed:
            out.add("the API", act.name, obj_name, who, "allowed",
                    f"the object is unreadable ({status})")  # fmt: skip
        return
    if "allowed_actions" not in body:
        out.add("the API", act.name, obj_name, who, "it lists allowed_actions",
                "no allowed_actions")  # fmt: skip
        return
    got = body["allowed_actions"].get(act.verb)
    expected = None if decision.hidden else decision.as_dict()
    if got != expected:
        out.add("the API", act.name, obj_name, who, expected, got)


def _page_check(asked, act, obj, obj_name, who, decision, out):
    page = PAGES.get(act.name)
    if page is None:
        return
    status, html = asked.page(who, page.page(obj))
    expected = _expected_page(decision)
    if status != 200:
        if decision.allowed:
            out.add("the page", act.name, obj_name, who, "allowed",
                    f"the page answers {status}")  # fmt: skip
        return
    label = str(page.label or act.label)
    got = _page_answer(html, page.url(obj), label, decision.reason)
    if got not in PAGE_AGREES[expected]:
        out.add("the page", act.name, obj_name, who,
                f"{expected} ({decision.reason or 'allowed'})", got)  # fmt: skip


def _service_check(asked, act, obj, obj_name, who, decision, out):
    call = SERVICES.get(act.name)
    if call is None:
        return
    user = asked.users[who]
    got = _service_outcome(call, asked.world, obj, user)
    expected = _expected_service(decision)
    if got != expected:
        out.add("the service", act.name, obj_name, who, expected, got)


def _queue_check(asked, act, obj, obj_name, who, decision, out):
    if act.queue is None or not _of_the_model(act, obj):
        return
    user = asked.users[who]
    queryset = type(obj)._default_manager.filter(pk=obj.pk)
    pending = policy.pending(act.name, user, queryset).exists()
    if pending != decision.allowed:
        out.add("the queue", act.name, obj_name, who, decision.allowed,
                f"pending={pending}")  # fmt: skip


CHECKS = (_api_check, _page_check, _service_check, _queue_check)


# --------------------------------------------------------------------- tests


def _without(mapping) -> set[str]:
    return set(policy.ACTIONS) - set(mapping)


def test_every_action_is_walked_or_listed_as_not_yet():
    """Declaring an action forces a decision: give it a service call (and a
    page), or say in ``NOT_YET`` (``NO_PAGE``) why not."""
    assert _without(SERVICES) == set(NOT_YET), (
        f"actions without a service call and not in NOT_YET: "
        f"{sorted(_without(SERVICES) - set(NOT_YET))}; "
        f"in NOT_YET but walked or gone: {sorted(set(NOT_YET) - _without(SERVICES))}"
    )
    assert _without(PAGES) == set(NO_PAGE), (
        f"actions without a page and not in NO_PAGE: "
        f"{sorted(_without(PAGES) - set(NO_PAGE))}; "
        f"in NO_PAGE but walked or gone: {sorted(set(NO_PAGE) - _without(PAGES))}"
    )
    assert not set(SERVICES) - set(policy.ACTIONS), "services of undeclared actions"
    assert not set(PAGES) - set(policy.ACTIONS), "pages of undeclared actions"
    assert not set(OBJECTS) - set(policy.ACTIONS), "objects of undeclared actions"


def test_every_action_names_its_model_and_its_verb_is_unique_on_it():
    """The API keys ``allowed_actions`` by verb: two actions on one model with
    one verb would hide each other."""
    seen = {}
    clashes = []
    for act in policy.ACTIONS.values():
        if act.model is None:
            assert act.name in OBJECTS, f"{act.name} names no model"
            continue
        key = (_label(act.model), act.verb)
        if key in seen:
            clashes.append(f"{act.name} and {seen[key]}")
        seen[key] = act.name
    assert not clashes, clashes
    models = {_label(a.model) for a in policy.ACTIONS.values() if a.model}
    missing = models - set(API_DETAIL) - set(NO_API_DETAIL)
    assert not missing, f"models with actions but no detail endpoint: {missing}"


@pytest.mark.django_db
def test_policy_page_api_service_and_queue_agree(world, quiet_refusals):
    asked = Asked(world)
    out = Disagreements()
    walked = 0
    for name in sorted(policy.ACTIONS):
        act = policy.ACTIONS[name]
        if name in OBJECTS:
            objects = [(label, _fresh(o)) for label, o in OBJECTS[name](world)]
        else:
            objects = objects_of(world, act.model)
        for obj_name, obj in objects:
            for who in PEOPLE:
                decision = policy.decide(name, asked.users[who], obj)
                for check in CHECKS:
                    try:
                        check(asked, act, obj, obj_name, who, decision, out)
                    except Exception as exc:  # noqa: BLE001 - reported below
                        out.add(f"asking ({check.__name__})", name, obj_name, who,
                                "-", f"{type(exc).__name__}: {exc}")  # fmt: skip
                walked += 1
    assert walked, "no action was walked"
    assert not out.found, (
        f"{walked} answers of the policy asked ({len(policy.ACTIONS)} actions); "
        f"these disagree:\n{out.report()}"
    )
