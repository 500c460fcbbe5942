"""One world of objects for the security suites: Latvia and the UK members with
money in the fund, Japan invited with an open onboarding case, a contracted
tender with a reported delivery and a pending complaint, a second tender still
sealed, a draft disbursement, an adjustment, a bank statement and a built
report. Built from the app tests' own builders and fixtures."""

from dataclasses import dataclass
from decimal import Decimal

from members import services as members
from members.models import OnboardingCase, StepKind
from procurement import services as procurement
from procurement.models import Complaint
from secretariat.fund.models import LedgerEntry
from secretariat.fund.services import disbursements as dsb
from secretariat.fund.services import ledger as fund
from secretariat.reports.services import report_subscribe
from tests.files import pdf
from tests.procurement.helpers import bid, to_tendering
from tests.secretariat.report_fixtures import build, new_tender


@dataclass
class World:
    people: object
    rep_lv: object
    rep_gb: object
    maker_lv: object
    maker_gb: object
    tender: object  # contracted: bids opened and scored
    award: object
    contract: object
    delivery: object
    seat: object
    clarification: object
    complaint: object
    lv_bid: object
    sealed_tender: object  # still tendering
    sealed_bid: object  # Latvian company's, with a document
    onboarding: object  # Japan's
    step: object
    document: object
    pledge: object
    open_pledge: object
    contribution: object
    pending_liaison: object
    commitment: object
    request: object  # draft disbursement, prepared by the finance officer
    submitted: object  # another, submitted for checking
    checked: object  # another, checked and awaiting the co-leads' approval
    adjustment: object
    statement: object
    line: object
    ledger_entry: object
    report: object  # requested by Latvia's liaison
    subscription: object  # Latvia's liaison's

    def user(self, who):
        """A person by their column name in the matrix."""
        if who in {"rep_lv", "rep_gb"}:
            return getattr(self, who)
        return getattr(self.people, who)


def build_world(*, people, latvia, japan, bidders, contract, draft, checker) -> World:
    signed, rep_lv = contract
    (maker_lv, _), (maker_gb, rep_gb) = bidders
    tender = signed.award.lot.tender
    award = signed.award
    delivery = procurement.delivery_report(
        contract=signed, milestone=signed.milestones.first(), actor=rep_lv,
        quantity=10,
    )  # fmt: skip
    # A complaint stands in the record as the losing bidder filed it; the
    # standstill of this award is over, so the service would refuse a new one.
    complaint = Complaint.objects.create(
        award=award, manufacturer=maker_gb, text="Unfair scoring", filed_by=rep_gb
    )
    sealed = to_tendering(new_tender(people, "Interceptor drones 2026"), people)
    sealed_bid = bid(rep_lv, sealed, price="1500.00", documents=[pdf("offer.pdf")])

    members.member_transition(
        member_state=japan, to_status="invited", actor=people.officer,
        reason="Invited by Latvia's foreign minister",
        evidence_file=pdf("japan-invitation.pdf"),
    )  # fmt: skip
    onboarding = OnboardingCase.objects.get(member_state=japan)
    pledge = members.pledge_record(
        member_state=latvia, actor=people.officer, year=2026,
        amount=Decimal("20000000"), currency="EUR",
    )  # fmt: skip
    contribution = members.contribution_record(
        pledge=pledge, actor=people.finance, amount=Decimal("5000000"),
        currency="EUR", received_on=pledge.fx_date,
    )  # fmt: skip
    open_pledge = members.pledge_record(
        member_state=latvia, actor=people.officer, year=2027,
        amount=Decimal("1000"), currency="EUR",
    )  # fmt: skip
    pending_liaison = members.liaison_invite(
        member_state=latvia, actor=people.officer, email="new-liaison@lv.example",
        first_name="Ilze", last_name="Ozola",
    )  # fmt: skip

    request = draft()
    submitted = draft("120000.00")
    dsb.disbursement_submit(request=submitted, actor=people.finance)
    checked = draft("130000.00")
    dsb.disbursement_submit(request=checked, actor=people.finance)
    dsb.disbursement_check(request=checked, actor=checker)
    adjustment = fund.adjustment_request(
        pool=request.commitment.pool, amount_eur=Decimal("10.00"),
        reason="Bank charges", actor=checker,
    )  # fmt: skip
    statement = dsb.statement_import(
        actor=checker, file_name="march.csv",
        content=b"date,amount,currency,reference\n2026-03-02,5.00,EUR,FEE-1\n",
    )  # fmt: skip
    report = build(people.liaison_lv, "fund_statement", "csv")
    subscription = report_subscribe(
        actor=people.liaison_lv, kind="onboarding", format="pdf"
    )
    return World(
        people=people, rep_lv=rep_lv, rep_gb=rep_gb, maker_lv=maker_lv,
        maker_gb=maker_gb, tender=tender, award=award, contract=signed,
        delivery=delivery, seat=tender.committee.get(evaluator=people.evaluator),
        clarification=tender.clarifications.create(
            question="Night camera?", asked_by=rep_lv),
        complaint=complaint, lv_bid=signed.award.bid, sealed_tender=sealed,
        sealed_bid=sealed_bid, onboarding=onboarding,
        step=onboarding.steps.get(kind=StepKind.ACKNOWLEDGEMENT),
        document=onboarding.case.attachments.get(), pledge=pledge,
        open_pledge=open_pledge, contribution=contribution,
        pending_liaison=pending_liaison, commitment=request.commitment,
        request=request, submitted=submitted, checked=checked,
        adjustment=adjustment, statement=statement,
        line=statement.lines.get(), ledger_entry=LedgerEntry.objects.first(),
        report=report, subscription=subscription,
    )  # fmt: skip
