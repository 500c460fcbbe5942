"""Every write of the fund: the ledger, commitments and adjustments
(``ledger``), disbursement requests (``disbursements``)."""
