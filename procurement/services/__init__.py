"""Every write of procurement, one module per stage."""

from procurement.services.awards import (  # noqa: F401
    award_approve,
    complaint_decide,
    complaint_file,
)
from procurement.services.bids import (  # noqa: F401
    bid_change,
    bid_offer,
    bid_submit,
    bid_withdraw,
    opened_bid_offer,
)
from procurement.services.contracts import (  # noqa: F401
    contract_sign,
    delivery_decide,
    delivery_report,
)
from procurement.services.evaluation import (  # noqa: F401
    award_recommend,
    committee_appoint,
    committee_declare,
    score_record,
    scores_record,
    scoresheet_submit,
    tender_start_evaluation,
)
from procurement.services.manufacturers import (  # noqa: F401
    manufacturer_bank_account_set,
    manufacturer_nominate,
    manufacturer_test_record,
    manufacturer_vet,
    representative_deactivate,
    representative_invite,
    requirement_record,
    supply_chain_declare,
)
from procurement.services.ocds import ocds_release_record  # noqa: F401
from procurement.services.opening import (  # noqa: F401
    opener_accept,
    opener_replace,
    opener_shares_reissue,
    opening_committee_name,
)
from procurement.services.receipts import (  # noqa: F401
    discrepancy_resolve,
    field_report_file,
    receipt_confirm,
)
from procurement.services.requirements import (  # noqa: F401
    requirement_accept,
    requirement_answer,
    requirement_ask,
    requirement_decline,
    requirement_problems,
    requirement_submit,
    requirement_withdraw,
)
from procurement.services.tenders import (  # noqa: F401
    EDITED_LABELS,
    clarification_answer,
    clarification_ask,
    lot_add,
    tender_amend,
    tender_cancel,
    tender_create,
    tender_open,
    tender_publication_errors,
    tender_publish,
    tender_update,
    tenders_advance_by_deadlines,
)
