"""The common fund: pools, ledger, commitments, adjustments, disbursements and
their reconciliation."""
