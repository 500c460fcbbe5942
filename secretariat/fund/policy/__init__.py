"""Who may act on the fund, now. Importing the package declares every action."""

from secretariat.fund.policy import disbursements, ledger  # noqa: F401
