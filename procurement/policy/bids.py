"""Policies of procurement: sealed bids.

A bid is submitted, changed and withdrawn by a representative of the bidding
company only (never by a superuser or an administrator: see
``secretariat.kernel.roles.role_names``), while tendering is open, and only for a
company the tender's eligibility rules admit. Who may read a bid's offer is
``bid.read_offer``: the bidder at any time, staff and the evaluators who
declared no conflict of interest once the tender is opened.
"""

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import MemberStatus
from procurement.models import (
    Bid,
    BidStatus,
    CommitteeMember,
    Component,
    Lot,
    Manufacturer,
    MemberStanding,
    Procedure,
    Tender,
    TenderStatus,
    VettingStatus,
)
from procurement.opening_keys import is_committee_token
from secretariat.kernel.formatting import when_text
from secretariat.kernel.policy import (
    Decision,
    action,
    allow,
    first_refusal,
    not_now,
    queue,
    refuse,
)
from secretariat.kernel.roles import Role, is_staff_reader, role_names

COMMITTEE_SEALED = gettext_lazy(
    "This offer is sealed to the tender's opening committee: nobody, not even "
    "the secretariat's servers, can read it before the committee opens the "
    "bids. Your copy is the file you downloaded when you submitted it."
)


def bidder_company_id(user) -> int | None:
    """The company ``user`` bids for: a manufacturer's representative acting
    for their company. A staff account that merely points at a company bids
    for nobody."""
    if Role.MANUFACTURER_REPRESENTATIVE in role_names(user) and user.manufacturer_id:
        return user.manufacturer_id
    return None


def _not_a_bidder() -> Decision:
    return refuse(_("Only a manufacturer's representative bids."), hidden=True)


def bidding_closed_reason(tender: Tender) -> str | None:
    """Why bids cannot be submitted, changed or withdrawn now, or ``None``."""
    if tender.status != TenderStatus.TENDERING or (
        timezone.now() >= tender.submission_deadline
    ):
        return _(
            "Bids for %(ref)s are accepted while tendering is open, until %(deadline)s."
        ) % {
            "ref": tender.case.reference,
            "deadline": when_text(tender.submission_deadline),
        }
    return None


def _bidding_open(tender: Tender) -> Decision:
    reason = bidding_closed_reason(tender)
    return not_now(reason) if reason else allow()


def ineligibility(tender: Tender, manufacturer) -> str | None:
    """Why the tender's eligibility rules exclude ``manufacturer``, or
    ``None``. Asked when a bid is submitted or changed, and again for every bid
    at the opening."""
    if manufacturer.vetting_status != VettingStatus.VETTED:
        return _("%(name)s is not vetted (%(status)s).") % {
            "name": manufacturer.name,
            "status": manufacturer.get_vetting_status_display(),
        }
    if manufacturer.member_state.status != MemberStatus.MEMBER:
        return _("%(state)s is not a member of the Coalition.") % {
            "state": manufacturer.member_state.name
        }
    if (
        tender.procedure == Procedure.RESTRICTED
        and not tender.invited.filter(pk=manufacturer.pk).exists()
    ):
        return _("This restricted tender is open to invited manufacturers only.")
    declared = {
        d.component: d.origin_country.code for d in manufacturer.supply_chain.all()
    }
    missing = [Component(c).label for c in Component.values if c not in declared]
    if missing:
        return _("Declare the origin of every critical component first: %(list)s.") % {
            "list": ", ".join(str(m) for m in missing)
        }
    banned = [
        f"{Component(c).label} ({country})"
        for c, country in declared.items()
        if country in tender.excluded_origins
    ]
    if banned:
        return _("This tender excludes components from %(countries)s: %(list)s.") % {
            "countries": ", ".join(tender.excluded_origins),
            "list": ", ".join(banned),
        }
    return None


def _eligible(tender: Tender, company_id: int) -> Decision:
    # Read afresh: the company on the user object may predate its vetting.
    manufacturer = Manufacturer.objects.select_related("member_state").get(
        pk=company_id
    )
    reason = ineligibility(tender, manufacturer)
    return not_now(reason) if reason else allow()


@action(
    "bid.submit",
    label=gettext_lazy("Submit a bid"),
    model=Lot,
    perm="procurement.submit_bid",
)
def submit(user, lot) -> Decision:
    """Without a lot: whether ``user`` bids at all (the menu, the API's door)."""
    company = bidder_company_id(user)
    if company is None:
        return _not_a_bidder()
    if not isinstance(lot, Lot):
        return allow()
    tender = lot.tender

    def not_bid_yet() -> Decision:
        if Bid.objects.filter(
            lot=lot, manufacturer_id=company, status=BidStatus.SUBMITTED
        ).exists():
            return not_now(
                _("%(name)s already has a bid on this lot; change or withdraw it.")
                % {"name": Manufacturer.objects.get(pk=company).name}
            )
        return allow()

    return first_refusal(
        _bidding_open(tender), lambda: _eligible(tender, company), not_bid_yet
    )


def _own_bid(user, bid: Bid) -> Decision:
    company = bidder_company_id(user)
    if company is None:
        return _not_a_bidder()
    if bid.manufacturer_id != company:
        return refuse(_("This is not your company's bid."), hidden=True)
    return allow()


def _withdrawn() -> Decision:
    return not_now(_("This bid has been withdrawn."))


@action("bid.change", label=gettext_lazy("Change the bid"), model=Bid)
def change(user, bid) -> Decision:
    return first_refusal(
        _own_bid(user, bid),
        lambda: _withdrawn() if bid.status != BidStatus.SUBMITTED else allow(),
        lambda: _bidding_open(bid.lot.tender),
        lambda: _eligible(bid.lot.tender, bid.manufacturer_id),
    )


@action("bid.withdraw", label=gettext_lazy("Withdraw the bid"), model=Bid)
def withdraw(user, bid) -> Decision:
    return first_refusal(
        _own_bid(user, bid),
        lambda: (
            allow()
            if Bid.workflow.allows(bid.status, BidStatus.WITHDRAWN)
            else _withdrawn()
        ),
        lambda: _bidding_open(bid.lot.tender),
    )


# What a bidder could withdraw; nothing awaits them there.
@queue("bid.withdraw", my_work=False)
def withdrawable(user, bids: QuerySet) -> QuerySet:
    company = bidder_company_id(user)
    if company is None:
        return bids.none()
    return bids.filter(
        manufacturer_id=company,
        status__in=Bid.workflow.sources(BidStatus.WITHDRAWN),
        lot__tender__status=TenderStatus.TENDERING,
        lot__tender__submission_deadline__gt=timezone.now(),
    )


def declared_on(user, tender: Tender) -> bool:
    """Whether ``user`` sits on the tender's committee with no conflict declared.
    A declaration is final (appointed, then declared or recused, never back), so
    a yes is remembered on the user object: a page of hundreds of bids asks once."""
    declared = user.__dict__.setdefault("_declared_tenders", set())
    if tender.pk in declared:
        return True
    if (
        Role.EVALUATOR in role_names(user)
        and CommitteeMember.objects.filter(
            tender=tender, evaluator=user, standing=MemberStanding.DECLARED
        ).exists()
    ):
        declared.add(tender.pk)
        return True
    return False


@action("bid.read_offer", label=gettext_lazy("Read the offer"), model=Bid)
def read_offer(user, bid) -> Decision:
    """The bidder reads their own offer at any time; staff, and the evaluators
    who declared no conflict, once the tender is opened (a tender cancelled
    before its opening was never opened: still sealed). Anyone else may not
    know the bid exists."""
    company = bidder_company_id(user)
    if company is not None and company == bid.manufacturer_id:
        if is_committee_token(bid.sealed):
            # Sealed to the opening committee's key, which the servers do not
            # hold: nobody reads it before the committee opens the bids.
            return not_now(COMMITTEE_SEALED)
        return allow()
    tender = bid.lot.tender
    if tender.is_sealed:
        return refuse(_("This bid is sealed until the tender is opened."), hidden=True)
    if not (is_staff_reader(user) or declared_on(user, tender)):
        return refuse(
            _("Bids are shown to evaluators after they declare no conflict."),
            hidden=True,
        )
    return allow()
