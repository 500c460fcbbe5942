"""Where procurement's endpoints are registered on the project's router."""

from procurement.api.awards import AwardViewSet, ComplaintViewSet
from procurement.api.bids import BidViewSet
from procurement.api.contracts import ContractViewSet, DeliveryViewSet
from procurement.api.evaluation import CommitteeMemberViewSet
from procurement.api.manufacturers import ManufacturerViewSet, RequirementViewSet
from procurement.api.opening import OpenerViewSet
from procurement.api.receipts import FieldReportViewSet, ReceiptViewSet
from procurement.api.red_flags import RedFlagsView
from procurement.api.tenders import TenderViewSet


def register(router) -> None:
    router.register("requirements", RequirementViewSet, basename="requirement")
    router.register("manufacturers", ManufacturerViewSet, basename="manufacturer")
    router.register("tenders", TenderViewSet, basename="tender")
    router.register("bids", BidViewSet, basename="bid")
    router.register(
        "committee-members", CommitteeMemberViewSet, basename="committee-member"
    )
    router.register("openers", OpenerViewSet, basename="opener")
    router.register("awards", AwardViewSet, basename="award")
    router.register("complaints", ComplaintViewSet, basename="complaint")
    router.register("contracts", ContractViewSet, basename="contract")
    router.register("deliveries", DeliveryViewSet, basename="delivery")
    router.register("receipts", ReceiptViewSet, basename="receipt")
    router.register("field-reports", FieldReportViewSet, basename="field-report")
    router.add_view("red-flags", RedFlagsView.as_view(), name="red-flags")
