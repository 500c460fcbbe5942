"""The ledger's write rate with the hash chain and without it, in one run.

Each entry is posted the way the fund's services post it (the pool's row
locked, its running totals changed, the entry and its month's sums written),
in a savepoint of its own, as a request's transaction would; "without the
chain" posts the same entry with its hash already filled in, which skips the
chain's head lock, its hash and its head update (today's path before issue
19). Rounds alternate between the two so that a warm cache favours neither.
Everything is rolled back at the end: the database is left as it was.

Run from ``bench/run.py`` (``make bench``) or alone, against any database:
``DATABASE_URL=... .venv/bin/python bench/chain_rate.py [entries per round]``.
Prints ``RESULT <with/s> <without/s> <entries>``.
"""

import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 4


def main(per_round: int) -> tuple[float, float, int]:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secretariat.settings")
    import django

    django.setup()
    from django.db import transaction

    from secretariat.accounts.models import User
    from secretariat.fund.models import LedgerKind, Pool
    from secretariat.fund.services import ledger as fund

    timings = {"with": 0.0, "without": 0.0}
    with transaction.atomic():
        actor = User.objects.order_by("pk").first() or User.objects.create(
            username="chain-bench"
        )
        pool, _created = Pool.objects.get_or_create(
            code="unrestricted", defaults={"name": "Unrestricted"}
        )

        def post(chained: bool, n: int):
            refs = {} if chained else {"entry_hash": "unchained-bench"}
            with transaction.atomic():
                locked = fund._lock_pool(pool)
                fund._post(
                    pool=locked,
                    kind=LedgerKind.CONTRIBUTION,
                    amount_eur=Decimal("1.00"),
                    actor=actor,
                    memo=f"chain bench {n}",
                    **refs,
                )

        for warm in range(20):  # connections, caches, the chain's head row
            post(True, warm)
            post(False, warm)
        for round_ in range(ROUNDS):
            order = ["with", "without"] if round_ % 2 == 0 else ["without", "with"]
            for mode in order:
                started = time.perf_counter()
                for n in range(per_round):
                    post(mode == "with", n)
                timings[mode] += time.perf_counter() - started
        transaction.set_rollback(True)
    total = ROUNDS * per_round
    return total / timings["with"], total / timings["without"], total


if __name__ == "__main__":
    entries = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    with_chain, without_chain, total = main(entries)
    print(
        f"ledger writes: {with_chain:.0f}/s with the chain, {without_chain:.0f}/s "
        f"without ({total} entries each, "
        f"{100 * (1 - with_chain / without_chain):.0f}% slower)"
    )
    print("RESULT", f"{with_chain:.1f}", f"{without_chain:.1f}", total)
