from tests.secretariat.fund_fixtures import (  # noqa: F401
    commitment,
    draft,
    funded,
    non_lethal,
    unrestricted,
)
