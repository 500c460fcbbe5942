"""The Open Contracting Data Standard (1.1.5) release package of a tender.

Only what may be public: before the bids are opened, nothing about bids (not
even how many there are); afterwards the tenderers, the awards, the contracts
and the payments made under them.
"""

from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from procurement.models import (
    Award,
    AwardStatus,
    Bid,
    BidStatus,
    ContractStatus,
    Procedure,
    Tender,
    TenderStatus,
)
from procurement.services import opened_bid_offer
from secretariat.fund.models import DisbursementStatus

BUYER = {"id": "DC-SECRETARIAT", "name": "Drone Coalition Secretariat"}

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


def _money(amount: Decimal) -> dict:
    # JSON has only one number type and the schema wants a number. Amounts are
    # quantized to cents and far below 2**53 cents, so the float is exact enough
    # to print back the same decimal; nothing computes with it.
    return {"amount": float(amount), "currency": "EUR"}


def _party(manufacturer, roles) -> dict:
    return {
        "id": f"DC-MAN-{manufacturer.pk}",
        "name": manufacturer.name,
        "address": {"countryName": manufacturer.member_state.name},
        "roles": sorted(roles),
    }


def _iso(moment) -> str:
    return timezone.localtime(moment).isoformat()


def _item(lot, *, quantity: int, unit_price: Decimal) -> dict:
    return {
        "id": f"lot-{lot.number}",
        "description": f"{lot.title} ({lot.capability.name})",
        "quantity": quantity,
        "unit": {"name": "unit", "value": _money(unit_price)},
    }


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
    if not tender.is_sealed:
        # Opened: the bidders and their number may now be known. (A tender
        # cancelled before its opening was never opened: nothing of its bids.)
        bids = Bid.objects.filter(
            lot__tender=tender, status=BidStatus.SUBMITTED
        ).select_related("manufacturer__member_state")
        for bid in bids:
            manufacturers[bid.manufacturer_id] = bid.manufacturer
            roles.setdefault(bid.manufacturer_id, set()).add("tenderer")
        tender_block["numberOfTenderers"] = len({b.manufacturer_id for b in bids})
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
            }
            if payments:
                roles[supplier.pk].add("payee")
                contract_block["implementation"] = {
                    "transactions": [
                        {
                            "id": request.case.reference,
                            "source": "Drone Coalition common fund",
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
        if any("implementation" in c for c in contracts):
            tags.append("implementation")
    buyer_roles = ["buyer", "procuringEntity"] + (
        ["payer"] if "implementation" in tags else []
    )
    parties = [{**BUYER, "roles": buyer_roles}] + [
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
    if awards:
        release["awards"] = awards
    if contracts:
        release["contracts"] = contracts
    return release


def release_package_for(tender: Tender, *, uri: str) -> dict:
    return {
        "uri": uri,
        "version": "1.1",
        "publishedDate": _iso(timezone.now()),
        "publisher": {"name": BUYER["name"]},
        "releases": [release_for(tender)],
    }
