"""Procurement's pages, one module per stage; ``procurement/urls.py`` routes to them."""

from procurement.views.awards import (  # noqa: F401
    award_approve,
    complaint_decide,
    complaint_file,
)
from procurement.views.bids import (  # noqa: F401
    bid_change,
    bid_detail,
    bid_document,
    bid_list,
    bid_submit,
    bid_withdraw,
)
from procurement.views.common import (  # noqa: F401
    Offer,
    T,
)
from procurement.views.contracts import (  # noqa: F401
    ContractStep,
    contract_detail,
    contract_list,
    contract_sign,
    delivery_decide,
    delivery_report,
)
from procurement.views.evaluation import (  # noqa: F401
    BIDS_PER_PAGE,
    SEAT_ACTIONS,
    award_recommend,
    committee_appoint,
    evaluation_declare,
    evaluation_detail,
    evaluation_queue,
    evaluation_score,
    evaluation_scores,
    evaluation_submit,
)
from procurement.views.manufacturers import (  # noqa: F401
    MANUFACTURER_BUTTONS,
    manufacturer_bank_account,
    manufacturer_detail,
    manufacturer_list,
    manufacturer_nominate,
    manufacturer_supply_chain,
    manufacturer_test_record,
    manufacturer_vet,
    representative_deactivate,
    representative_invite,
    requirement_create,
    requirement_detail,
    requirement_list,
)
from procurement.views.red_flags import (  # noqa: F401
    red_flag_list,
)
from procurement.views.requirements import (  # noqa: F401
    REQUIREMENT_MOVES,
    requirement_move,
    requirement_submit,
)
from procurement.views.tenders import (  # noqa: F401
    AWARD_BUTTONS,
    OPENED_BIDS_PER_PAGE,
    RANKING_SHOWN_PER_LOT,
    TENDER_ACTION_POLICIES,
    TENDER_ACTIONS,
    TENDER_BUTTONS,
    TenderAction,
    clarification_answer,
    clarification_ask,
    lot_add,
    ocds_bulk_package,
    ocds_record_package,
    ocds_release_package,
    tender_action,
    tender_create,
    tender_detail,
    tender_edit,
    tender_list,
)
