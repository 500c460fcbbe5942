from tests.secretariat.fund_fixtures import (  # noqa: F401
    checker,
    commitment,
    draft,
    funded,
    non_lethal,
    payer,
    unrestricted,
)
