"""Which rows the benchmark reads: the heaviest of each kind, found in the scale
database, so that every page is measured where it costs most."""

from django.db.models import Count, F

from members.models import MemberState, OnboardingCase
from procurement.models import CommitteeMember, Contract, Tender
from secretariat.accounts.models import User
from secretariat.fund.models import DisbursementRequest


def discover():
    officer, procurement, finance = (
        "scale-officer",
        "scale-procurement",
        "scale-finance",
    )
    member = (
        MemberState.objects.annotate(n=Count("pledges")).order_by("-n").first().country
    )
    onboarding = OnboardingCase.objects.order_by("-is_open", "id").first()
    heavy = (
        Tender.objects.filter(status="evaluation")
        .annotate(n=Count("lots__bids"))
        .order_by("-n")
        .first()
    )
    # The seat still scoring: its page has a score form for each bid shown.
    seat = (
        CommitteeMember.objects.filter(tender=heavy, standing="declared")
        .select_related("evaluator")
        .order_by(F("scores_submitted_at").asc(nulls_first=True), "id")
        .first()
    )
    contract = (
        Contract.objects.annotate(n=Count("deliveries")).order_by("-n", "id").first()
    )
    disbursement = (
        DisbursementRequest.objects.filter(status="paid")
        .select_related("case")
        .order_by("id")
        .first()
    )
    liaison = User.objects.get(username=f"scale-liaison-{member.code.lower()}")
    tender_ref = heavy.case.reference
    dsb_ref = disbursement.case.reference
    code = member.code
    pages = [
        ("dashboard", officer, "/dashboard/"),
        ("my work", officer, "/work/"),
        ("member list", officer, "/members/"),
        ("member page", officer, f"/members/{code}/"),
        ("member page (liaison)", liaison.username, f"/members/{code}/"),
        ("onboarding case", officer, f"/onboarding/{onboarding.case.reference}/"),
        ("tender list", procurement, "/tenders/"),
        (
            f"tender page ({heavy.n} bids, opened)",
            procurement,
            f"/tenders/{tender_ref}/",
        ),
        ("evaluation page", seat.evaluator.username, f"/evaluation/{seat.pk}/"),
        ("contract page", procurement, f"/contracts/{contract.pk}/"),
        ("disbursement list", finance, "/disbursements/"),
        ("disbursement page", finance, f"/disbursements/{dsb_ref}/"),
        ("fund statement", finance, "/fund/"),
        ("notifications", officer, "/notifications/"),
        ("API tenders", procurement, "/api/tenders/"),
        ("API tender", procurement, f"/api/tenders/{tender_ref}/"),
        ("API disbursements", finance, "/api/disbursements/"),
        ("API disbursement", finance, f"/api/disbursements/{dsb_ref}/"),
        ("API member states", officer, "/api/member-states/"),
        ("API member state", officer, f"/api/member-states/{code}/"),
        ("API contracts", procurement, "/api/contracts/"),
        ("API contract", procurement, f"/api/contracts/{contract.pk}/"),
        ("API notifications", officer, "/api/notifications/"),
        ("API ledger entries", finance, "/api/ledger-entries/"),
        ("API pools", finance, "/api/pools/"),
    ]
    throughput = [
        ("dashboard", officer, "/dashboard/"),
        ("API tenders (list)", procurement, "/api/tenders/"),
        ("disbursement page", finance, f"/disbursements/{dsb_ref}/"),
    ]
    return {"pages": pages, "throughput": throughput}
