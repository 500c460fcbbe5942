"""Procurement's REST endpoints, one module per stage."""

from procurement.api.awards import (  # noqa: F401
    ApproveSerializer,
    AwardSerializer,
    AwardViewSet,
    ComplaintDecideSerializer,
    ComplaintInputSerializer,
    ComplaintSerializer,
    ComplaintViewSet,
)
from procurement.api.bids import (  # noqa: F401
    BidderSerializer,
    BidDetailSerializer,
    BidDocumentSerializer,
    BidEventSerializer,
    BidFilter,
    BidInputSerializer,
    BidOfferSerializer,
    BidSerializer,
    BidViewSet,
    OfferInputSerializer,
)
from procurement.api.common import (  # noqa: F401
    TENDER_REFERENCE,
    BidIdField,
    CanAct,
    JSONObjectField,
    ProcurementViewSet,
    TenderReferenceField,
)
from procurement.api.contracts import (  # noqa: F401
    ContractSerializer,
    ContractSignSerializer,
    ContractViewSet,
    DeliveryDecideSerializer,
    DeliveryReportSerializer,
    DeliverySerializer,
    DeliveryViewSet,
    MilestoneInputSerializer,
    MilestoneSerializer,
)
from procurement.api.evaluation import (  # noqa: F401
    AppointSerializer,
    CommitteeMemberDetailSerializer,
    CommitteeMemberSerializer,
    CommitteeMemberViewSet,
    DeclareSerializer,
    IneligibleSerializer,
    RankedSerializer,
    RankingSerializer,
    RecommendSerializer,
    ScoreInputSerializer,
    ScoreSerializer,
)
from procurement.api.manufacturers import (  # noqa: F401
    BankAccountSerializer,
    ManufacturerDetailSerializer,
    ManufacturerSerializer,
    ManufacturerViewSet,
    NominateSerializer,
    RepresentativeDeactivateSerializer,
    RepresentativeInviteSerializer,
    RepresentativeSerializer,
    RequirementInputSerializer,
    RequirementSerializer,
    RequirementViewSet,
    SupplyChainDeclareSerializer,
    SupplyChainSerializer,
    TestResultInputSerializer,
    TestResultSerializer,
    VetSerializer,
)
from procurement.api.routes import (  # noqa: F401
    register,
)
from procurement.api.tenders import (  # noqa: F401
    AmendSerializer,
    AnswerSerializer,
    ClarificationSerializer,
    LotInputSerializer,
    LotSerializer,
    QuestionSerializer,
    TenderDetailSerializer,
    TenderInputSerializer,
    TenderLotSerializer,
    TenderSerializer,
    TenderViewSet,
)
