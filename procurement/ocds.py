"""The Open Contracting Data Standard (1.1.5) release package of a tender.

Only what may be public: before the bids are opened, nothing about bids (not
even how many there are); afterwards the tenderers, the awards, the contracts
and the payments made under them.
"""

import json
from decimal import Decimal
from functools import cache
from urllib.parse import urljoin

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from procurement.models import (
    Award,
    AwardStatus,
    Bid,
    BidStatus,
    ContractStatus,
    DeliveryStatus,
    Procedure,
    Tender,
    TenderStatus,
)
from procurement.services import opened_bid_offer
from secretariat.fund.models import DisbursementStatus

BUYER = {"id": "DC-SECRETARIAT", "name": "Drone Coalition Secretariat"}

# The extensions the releases use, by their URL in the extension registry (the
# tags vendored in vendor/ocds-extensions/ for the tests): the bids' statistics
# and details after opening, and the lots the items and bids refer to.
EXTENSIONS = [
    "https://raw.githubusercontent.com/open-contracting-extensions/"
    "ocds_bid_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/"
    "ocds_lots_extension/v1.1.5/extension.json",
]

TENDER_STATUS = {
    TenderStatus.PUBLISHED: "active",
    TenderStatus.TENDERING: "active",
    TenderStatus.CLOSED: "active",
    TenderStatus.OPENED: "active",
    TenderStatus.EVALUATION: "active",
    TenderStatus.AWARDED: "complete",
    TenderStatus.CONTRACTED: "complete",
    TenderStatus.CANCELLED: "cancelled",
    TenderStatus.UNSUCCESSFUL: "unsuccessful",
}
AWARD_STATUS = {AwardStatus.APPROVED: "active", AwardStatus.CANCELLED: "cancelled"}
CONTRACT_STATUS = {
    ContractStatus.SIGNED: "active",
    ContractStatus.COMPLETED: "terminated",
    ContractStatus.TERMINATED: "terminated",
}
PAID = {DisbursementStatus.PAID, DisbursementStatus.RECONCILED}
# A live bid's eligibility, decided at opening, as the bids extension's status.
BID_STATUS = {True: "valid", False: "disqualified", None: "pending"}


def _money(amount: Decimal) -> dict:
    # JSON has only one number type and the schema wants a number. Amounts are
    # quantized to cents and far below 2**53 cents, so the float is exact enough
    # to print back the same decimal; nothing computes with it.
    return {"amount": float(amount), "currency": "EUR"}


def _buyer_party(roles) -> dict:
    return {
        **BUYER,
        "identifier": {
            "scheme": settings.OCDS_ORGANIZATION_SCHEME,
            "id": "SECRETARIAT",
            "legalName": BUYER["name"],
        },
        "roles": roles,
    }


def _manufacturer_identifier(manufacturer) -> dict:
    """The national register's number where the country's register is known
    (settings.OCDS_REGISTRATION_SCHEMES), else the manufacturer's number with
    the Coalition."""
    country = manufacturer.member_state.country.code
    scheme = settings.OCDS_REGISTRATION_SCHEMES.get(country)
    if scheme and manufacturer.registration_number:
        number = manufacturer.registration_number
    else:
        scheme, number = settings.OCDS_ORGANIZATION_SCHEME, f"MAN-{manufacturer.pk}"
    return {"scheme": scheme, "id": number, "legalName": manufacturer.name}


def _party(manufacturer, roles) -> dict:
    return {
        "id": f"DC-MAN-{manufacturer.pk}",
        "name": manufacturer.name,
        "identifier": _manufacturer_identifier(manufacturer),
        "address": {"countryName": manufacturer.member_state.name},
        "roles": sorted(roles),
    }


def _iso(moment) -> str:
    return timezone.localtime(moment).isoformat()


def _lot_id(lot) -> str:
    return f"lot-{lot.number}"


def _item(lot, *, quantity: int, unit_price: Decimal) -> dict:
    return {
        "id": f"lot-{lot.number}",
        "description": f"{lot.title} ({lot.capability.name})",
        # The Coalition's capability codes, an internal scheme (settings).
        "classification": {
            "scheme": settings.OCDS_ITEM_CLASSIFICATION_SCHEME,
            "id": lot.capability.code,
            "description": lot.capability.name,
        },
        "quantity": quantity,
        "unit": {"name": "unit", "value": _money(unit_price)},
        "relatedLot": _lot_id(lot),
    }


def _bids(tender: Tender, lots, bids) -> dict:
    """The bids extension's block, for an opened tender only: per lot, the
    bids live at the deadline (a bid withdrawn before it is no bid), each with
    its bidder, total value and whether it was eligible at opening; and the
    counts and the lowest and highest valid values."""
    totals = {bid.pk: _offer_total(opened_bid_offer(bid)) for bid in bids}
    details, statistics = [], []
    for lot in lots:
        lot_id = _lot_id(lot)
        lot_bids = [b for b in bids if b.lot_id == lot.pk]
        details += [
            {
                "id": str(bid.public_id),
                "date": _iso(bid.submitted_at),
                "status": BID_STATUS[bid.eligible],
                "tenderers": [_manufacturer_ref(bid.manufacturer)],
                "value": _money(totals[bid.pk]),
                "relatedLots": [lot_id],
            }
            for bid in lot_bids
        ]
        valid = [totals[b.pk] for b in lot_bids if b.eligible]
        measures = {
            "bids": len(lot_bids),
            "validBids": len(valid),
            "bidders": len({b.manufacturer_id for b in lot_bids}),
            "qualifiedBidders": len(
                {b.manufacturer_id for b in lot_bids if b.eligible}
            ),
            "disqualifiedBidders": len(
                {b.manufacturer_id for b in lot_bids if b.eligible is False}
            ),
        }
        money = (
            {"lowestValidBidValue": min(valid), "highestValidBidValue": max(valid)}
            if valid
            else {}
        )
        for measure, value in {**measures, **money}.items():
            statistic = {
                "id": f"{lot_id}-{measure}",
                "measure": measure,
                "value": float(value) if measure in money else value,
                "relatedLot": lot_id,
            }
            if measure in money:
                statistic["currency"] = "EUR"
            if tender.opened_at:
                statistic["date"] = _iso(tender.opened_at)
            statistics.append(statistic)
    block = {"statistics": statistics}
    if details:  # an empty list is an empty field to the checks
        block["details"] = details
    return block


def _offer_total(offer: dict) -> Decimal:
    total = Decimal(offer["unit_price"]) * int(offer["quantity"])
    return total.quantize(Decimal("0.01"))


def _manufacturer_ref(manufacturer) -> dict:
    return {"id": f"DC-MAN-{manufacturer.pk}", "name": manufacturer.name}


def release_for(tender: Tender) -> dict:
    reference = tender.case.reference
    lots = list(tender.lots.select_related("capability"))
    # The tender's items: what each lot asks for, at its maximum unit price.
    items = {
        lot.pk: _item(lot, quantity=lot.quantity, unit_price=lot.max_unit_price)
        for lot in lots
    }
    roles: dict[int, set] = {}
    manufacturers = {}
    tender_block = {
        "id": reference,
        "title": tender.title,
        "description": tender.description,
        "status": TENDER_STATUS.get(tender.status),
        "procurementMethod": "open"
        if tender.procedure == Procedure.OPEN
        else "selective",
        "mainProcurementCategory": "goods",
        "items": list(items.values()),
        "value": _money(
            sum((lot.max_unit_price * lot.quantity for lot in lots), Decimal(0))
        ),
        "procuringEntity": dict(BUYER),
        "lots": [
            {
                "id": _lot_id(lot),
                "title": lot.title,
                "status": TENDER_STATUS.get(tender.status),
                "value": _money(lot.max_unit_price * lot.quantity),
            }
            for lot in lots
        ],
        "awardCriteria": "ratedCriteria",
        "awardCriteriaDetails": ", ".join(
            f"{name.replace('_', ' ')} {weight}%"
            for name, weight in tender.weights().items()
        ),
        "enquiryPeriod": {
            "startDate": _iso(tender.published_at or tender.case.opened_at),
            "endDate": _iso(tender.clarification_deadline),
        },
        "tenderPeriod": {
            "startDate": _iso(tender.published_at or tender.case.opened_at),
            "endDate": _iso(tender.submission_deadline),
        },
        "hasEnquiries": tender.clarifications.exclude(answer="").exists(),
    }
    tags = ["tender"]
    if tender.status == TenderStatus.CANCELLED:
        tags = ["tenderCancellation"]
    awards, contracts = [], []
    bids_block = None  # sealed: not even that there are bids
    if not tender.is_sealed:
        # Opened: the bidders and their number may now be known. (A tender
        # cancelled before its opening was never opened: nothing of its bids.)
        bids = list(
            Bid.objects.filter(
                lot__tender=tender, status=BidStatus.SUBMITTED
            ).select_related("manufacturer__member_state", "lot__tender")
        )
        for bid in bids:
            manufacturers[bid.manufacturer_id] = bid.manufacturer
            roles.setdefault(bid.manufacturer_id, set()).add("tenderer")
        tender_block["numberOfTenderers"] = len({b.manufacturer_id for b in bids})
        bids_block = _bids(tender, lots, bids)
        if manufacturers:  # an empty list is an empty field to the checks
            tender_block["tenderers"] = [
                {"id": f"DC-MAN-{m.pk}", "name": m.name} for m in manufacturers.values()
            ]
        for award in Award.objects.filter(
            lot__tender=tender, status__in=list(AWARD_STATUS)
        ).select_related(
            "bid__manufacturer__member_state",
            "bid__lot__tender",
            "lot__capability",
            "contract__commitment",
        ):
            supplier = award.bid.manufacturer
            roles.setdefault(supplier.pk, set()).add("supplier")
            manufacturers[supplier.pk] = supplier
            # What was awarded is the winning offer, opened with the tender.
            offer = opened_bid_offer(award.bid)
            unit_price = Decimal(offer["unit_price"])
            quantity = int(offer["quantity"])
            award_block = {
                "id": f"{reference}-award-{award.pk}",
                "status": AWARD_STATUS[award.status],
                "value": _money((unit_price * quantity).quantize(Decimal("0.01"))),
                "suppliers": [{"id": f"DC-MAN-{supplier.pk}", "name": supplier.name}],
                "items": [_item(award.lot, quantity=quantity, unit_price=unit_price)],
                "relatedBid": str(award.bid.public_id),
                "relatedLots": [_lot_id(award.lot)],
            }
            if award.approved_at:
                award_block["date"] = _iso(award.approved_at)
            awards.append(award_block)
            contract = getattr(award, "contract", None)
            if contract is None:
                continue
            payments = [
                request
                for request in contract.commitment.disbursements.select_related("case")
                if request.status in PAID
            ]
            contract_block = {
                "id": contract.reference,
                "awardID": award_block["id"],
                "status": CONTRACT_STATUS[contract.status],
                "value": _money(contract.value_eur),
                "dateSigned": _iso(contract.signed_at),
                "items": [
                    _item(
                        award.lot,
                        quantity=contract.quantity,
                        unit_price=contract.unit_price,
                    )
                ],
                "implementation": {"milestones": _delivery_milestones(contract)},
            }
            if payments:
                roles[supplier.pk].add("payee")
                contract_block["implementation"] |= {
                    "transactions": [
                        {
                            "id": request.case.reference,
                            "date": f"{request.paid_on.isoformat()}T00:00:00Z",
                            "value": _money(request.eur_amount),
                            "payer": dict(BUYER),
                            "payee": {
                                "id": f"DC-MAN-{supplier.pk}",
                                "name": supplier.name,
                            },
                        }
                        for request in payments
                    ]
                }
            contracts.append(contract_block)
        if awards:
            tags.append("award")
        if contracts:
            tags.append("contract")
        if any("transactions" in c["implementation"] for c in contracts):
            tags.append("implementation")
    buyer_roles = ["buyer", "procuringEntity"] + (
        ["payer"] if "implementation" in tags else []
    )
    parties = [_buyer_party(buyer_roles)] + [
        _party(manufacturers[pk], party_roles) for pk, party_roles in roles.items()
    ]
    release = {
        "ocid": f"{settings.OCDS_PREFIX}-{reference}",
        "id": f"{reference}-{int(tender.case.updated_at.timestamp())}",
        "date": _iso(tender.case.updated_at),
        "tag": tags,
        "initiationType": "tender",
        "language": "en",
        "parties": parties,
        "buyer": dict(BUYER),
        "tender": tender_block,
    }
    if bids_block is not None:
        release["bids"] = bids_block
    if awards:
        release["awards"] = awards
    if contracts:
        release["contracts"] = contracts
    return release


def _delivery_milestones(contract) -> list[dict]:
    """The contract's delivery milestones: met once the units accepted under
    one reach its quantity, partly met before, scheduled until a batch is
    accepted."""
    milestones = []
    for milestone in contract.milestones.prefetch_related("deliveries"):
        accepted = [
            d for d in milestone.deliveries.all() if d.status == DeliveryStatus.ACCEPTED
        ]
        units = sum(d.quantity_accepted for d in accepted)
        block = {
            "id": f"{contract.reference}-milestone-{milestone.number}",
            "title": f"Delivery of {milestone.quantity} units",
            "type": "delivery",
            "dueDate": f"{milestone.due_on.isoformat()}T00:00:00Z",
            "status": "scheduled",
        }
        if accepted:
            last = _iso(max(d.decided_at for d in accepted))
            block["dateModified"] = last
            block["status"] = "met" if units >= milestone.quantity else "partiallyMet"
            if block["status"] == "met":
                block["dateMet"] = last
        milestones.append(block)
    return milestones


def package_metadata(*, uri: str, published_date: str) -> dict:
    """What a release package and a record package both say about themselves
    (``publishedDate``: the date of the newest release they hold)."""
    return {
        "uri": uri,
        "version": "1.1",
        "publishedDate": published_date,
        "publisher": {"name": BUYER["name"]},
        "license": settings.OCDS_LICENSE,
        "publicationPolicy": publication_policy_url(uri),
        "extensions": list(EXTENSIONS),
    }


def publication_policy_url(uri: str) -> str:
    """The configured policy, else the project's own page on the same host as
    the package."""
    return settings.OCDS_PUBLICATION_POLICY or urljoin(
        uri, reverse("procurement:open_data_policy")
    )


def package_for(*, uri: str, releases: list[dict], published_date: str) -> dict:
    """A release package of releases as they were published (stored, see
    ``procurement.services.ocds``)."""
    return {
        **package_metadata(uri=uri, published_date=published_date),
        "releases": releases,
    }


def record_package_for(
    *, uri: str, package_uri: str, releases: list[dict], compiled: dict
) -> dict:
    """The record package of one tender: its releases linked by their URL in
    the release package (``package_uri``), and the compiled release."""
    published_date = releases[-1]["date"]
    return {
        **package_metadata(uri=uri, published_date=published_date),
        "packages": [package_uri],
        "records": [
            {
                "ocid": releases[-1]["ocid"],
                "releases": [
                    {
                        "url": f"{package_uri}#{release['id']}",
                        "date": release["date"],
                        "tag": release["tag"],
                    }
                    for release in releases
                ],
                "compiledRelease": compiled,
            }
        ],
    }


def release_package_for(tender: Tender, *, uri: str) -> dict:
    """Today's release of a tender, in a package: what a release stored at a
    change is built from."""
    return package_for(
        uri=uri, releases=[release_for(tender)], published_date=_iso(timezone.now())
    )


@cache
def _merger():
    # The vendored release schema, so that no merge asks the network for it.
    from ocdsmerge import Merger

    schema = settings.BASE_DIR / "vendor" / "ocds-1.1.5" / "release-schema.json"
    return Merger(schema=json.loads(schema.read_text()))


def compiled_release(releases: list[dict]) -> dict:
    """The tender's current state compiled from its releases by OCDS's merge
    rules (ocdsmerge, as ``ocdskit compile`` does)."""
    return _merger().create_compiled_release(releases)
