"""Who may act in procurement, now, stage by stage. Importing the package
declares every action."""

from procurement.policy import (  # noqa: F401
    awards,
    bids,
    contracts,
    evaluation,
    manufacturers,
    opening,
    receipts,
    red_flags,
    requirements,
    tenders,
)
