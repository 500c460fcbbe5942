"""Which rows the benchmark reads: the heaviest of each kind, found in the scale
database, so that every page is measured where it costs most."""

from django.db.models import Count, F

from members.models import MemberState, OnboardingCase
from procurement import selectors as procurement_selectors
from procurement.models import CommitteeMember, Contract, Tender
from secretariat.accounts.models import User
from secretariat.fund.models import DisbursementRequest
from secretariat.kernel.roles import Role


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
    # The pages of issue 21's throughput target (at least 10% of the bare view's)
    # are marked True; the disbursement page is measured beside them as before.
    throughput = [
        ("dashboard", officer, "/dashboard/", True),
        (
            f"tender page ({heavy.n} bids, opened)",
            procurement,
            f"/tenders/{tender_ref}/",
            True,
        ),
        ("evaluation page", seat.evaluator.username, f"/evaluation/{seat.pk}/", True),
        ("disbursement list", finance, "/disbursements/", True),
        ("API disbursements", finance, "/api/disbursements/", True),
        ("API tenders", procurement, "/api/tenders/", True),
        ("API contracts", procurement, "/api/contracts/", True),
        ("disbursement page", finance, f"/disbursements/{dsb_ref}/", False),
    ]
    return {"pages": pages, "throughput": throughput}


# The load test's roles: (role, the seeded people's usernames start with).
LOAD_ROLES = {
    "officer": (Role.SECRETARIAT_OFFICER, "scale-officer"),
    "procurement": (Role.PROCUREMENT_OFFICER, "scale-procurement"),
    "finance": (Role.FINANCE_OFFICER, "scale-finance"),
    "approver": (Role.CO_LEAD_APPROVER, "scale-approver-"),
    "liaison": (Role.MEMBER_LIAISON, "scale-liaison-"),
    "manufacturer": (Role.MANUFACTURER_REPRESENTATIVE, "scale-rep-"),
    "evaluator": (Role.EVALUATOR, "scale-evaluator-"),
}


def _people(role, prefix):
    return User.objects.filter(
        username__startswith=prefix, groups__name=role, is_active=True
    ).order_by("id")


def discover_load(per_role=20):
    """Who the load test signs in as, and which pages each of them opens.

    For each role: how many seeded people hold it (the load test's weights), and
    up to ``per_role`` of them, each with the paths of their journey by step
    (``bench/locustfile.py`` picks one path of each step at random). What a
    liaison, a representative or an evaluator may open is their own: their
    state, the tenders the selector shows them, their seats."""
    members = list(
        MemberState.objects.order_by("country").values_list("country", flat=True)[:20]
    )
    onboarding = [
        f"/onboarding/{ref}/"
        for ref in OnboardingCase.objects.order_by("-is_open", "id").values_list(
            "case__reference", flat=True
        )[:10]
    ]
    disbursements = [
        f"/disbursements/{ref}/"
        for ref in DisbursementRequest.objects.order_by("-id").values_list(
            "case__reference", flat=True
        )[:20]
    ]
    checked = [
        f"/disbursements/{ref}/"
        for ref in DisbursementRequest.objects.filter(status="checked")
        .order_by("-id")
        .values_list("case__reference", flat=True)[:20]
    ] or disbursements
    tenders = [
        f"/tenders/{ref}/"
        for ref in Tender.objects.filter(
            status__in=["tendering", "opened", "evaluation", "awarded"]
        )
        .order_by("-id")
        .values_list("case__reference", flat=True)[:20]
    ]
    contracts = [
        f"/contracts/{pk}/"
        for pk in Contract.objects.order_by("-id").values_list("pk", flat=True)[:20]
    ]
    shared = {
        "officer": {
            "dashboard": ["/dashboard/"],
            "work": ["/work/"],
            "members": ["/members/"],
            "member": [f"/members/{code}/" for code in members],
            "onboarding": onboarding,
            "notifications": ["/notifications/"],
        },
        "procurement": {
            "start": ["/"],
            "tenders": ["/tenders/"],
            "tender": tenders,
            "contract": contracts,
            "api tenders": ["/api/tenders/"],
            "api contracts": ["/api/contracts/"],
        },
        "finance": {
            "disbursements": ["/disbursements/"],
            "disbursement": disbursements,
            "fund statement": ["/fund/"],
            "api ledger entries": ["/api/ledger-entries/"],
        },
        "approver": {
            "start": ["/"],
            "waiting for you": ["/disbursements/?status=checked"],
            "work": ["/work/"],
            "disbursement": checked,
            "notifications": ["/notifications/"],
        },
    }
    load = {}
    for name, (role, prefix) in LOAD_ROLES.items():
        people = _people(role, prefix)
        entry = {"people_in_role": people.count(), "people": []}
        if name == "manufacturer":
            people = people.filter(manufacturer__vetting_status="vetted")
        for user in people.select_related("member_state").iterator():
            paths = shared.get(name) or _own_paths(name, user)
            if paths is None:
                continue
            entry["people"].append({"user": user.username, "paths": paths})
            if len(entry["people"]) >= per_role:
                break
        load[name] = entry
    return load


def _own_paths(name, user):
    if name == "liaison":
        return {
            "start": ["/"],
            "member": [f"/members/{user.member_state.country.code}/"],
            "pledges": ["/api/pledges/"],
            "notifications": ["/notifications/"],
        }
    if name == "manufacturer":
        open_to_them = [
            f"/tenders/{ref}/"
            for ref in procurement_selectors.tenders_for(user, kind_hint=False)
            .filter(status__in=["published", "tendering"])
            .order_by("-submission_deadline")
            .values_list("case__reference", flat=True)[:5]
        ]
        if not open_to_them:
            return None
        return {
            "tenders": ["/tenders/?status=tendering"],
            "tender": open_to_them,
            "bids": ["/bids/"],
        }
    if name == "evaluator":
        seats = [
            f"/evaluation/{pk}/"
            for pk in CommitteeMember.objects.filter(
                evaluator=user, standing="declared", tender__status="evaluation"
            )
            .order_by("id")
            .values_list("pk", flat=True)[:3]
        ]
        if not seats:
            return None
        return {"queue": ["/evaluation/"], "evaluation": seats}
    return None
