"""Sealing and opening 400 bids with an opening committee and with the servers'
bid keys, side by side in one run.

"Committee": each bid sealed to the tender's public key (``opening_keys.seal``);
the opening is what ``tender_open`` does for a committee tender: two members'
passphrases (Argon2id at the production setting, ``OPENER_KDF_*``) open their
shares, the shares rebuild the tender's private key, every bid is unsealed and
sealed again with the bid keys. "Server key": each bid sealed with the bid keys
(``sealing.seal``) and, at the opening, unsealed once (what the pages of an
opened tender do). Offers are the size of a bid without documents (one 1 KiB
bucket). The database writes are the same either way and left out.

Run from ``bench/run.py`` (``make bench``) or alone:
``DEBUG=on .venv/bin/python bench/opening_rate.py [bids]``.
Prints ``RESULT <committee seal ms> <committee open ms> <server seal ms>
<server open ms> <bids> <kdf ms per member>``.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSPHRASES = ["amber river forty one", "quiet harbour seven", "north gate nineteen"]
THRESHOLD = 2


def _offer(n: int) -> dict:
    return {
        "unit_price": f"{1000 + n}.00",
        "quantity": 250,
        "delivery_schedule": "250 units by 2027-01-15",
        "compliance": {"night_camera": "yes", "range_km": "12"},
        "documents": [],
    }


def main(bids: int) -> tuple[float, float, float, float, int, float]:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secretariat.settings")
    import django

    django.setup()
    from procurement import opening_keys, sealing

    offers = [_offer(n) for n in range(bids)]
    enrolled = [opening_keys.opener_enrol(p) for p in PASSPHRASES]
    keys = opening_keys.tender_keys(THRESHOLD, [public for public, _box in enrolled])

    started = time.perf_counter()
    committee_tokens = [opening_keys.seal(keys.public_key, o) for o in offers]
    committee_seal = time.perf_counter() - started

    started = time.perf_counter()
    shares = [
        opening_keys.share_unlock(enrolled[i][1], PASSPHRASES[i], keys.sealed_shares[i])
        for i in range(THRESHOLD)
    ]
    kdf = (time.perf_counter() - started) / THRESHOLD
    private = opening_keys.private_key_rebuild(shares, keys.wrapped_private_key)
    resealed = [
        sealing.seal(opening_keys.unseal(private, token)) for token in committee_tokens
    ]
    committee_open = time.perf_counter() - started
    assert sealing.unseal(resealed[-1]) == offers[-1]

    started = time.perf_counter()
    server_tokens = [sealing.seal(o) for o in offers]
    server_seal = time.perf_counter() - started

    started = time.perf_counter()
    opened = [sealing.unseal(token) for token in server_tokens]
    server_open = time.perf_counter() - started
    assert opened[-1] == offers[-1]

    ms = 1000
    return (
        committee_seal * ms,
        committee_open * ms,
        server_seal * ms,
        server_open * ms,
        bids,
        kdf * ms,
    )


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    c_seal, c_open, s_seal, s_open, n, kdf = main(count)
    print(
        f"{n} bids: committee seal {c_seal:.0f} ms, open {c_open:.0f} ms "
        f"(Argon2id {kdf:.0f} ms per member); server key seal {s_seal:.0f} ms, "
        f"open {s_open:.0f} ms",
        file=sys.stderr,
    )
    print(f"RESULT {c_seal:.1f} {c_open:.1f} {s_seal:.1f} {s_open:.1f} {n} {kdf:.1f}")
