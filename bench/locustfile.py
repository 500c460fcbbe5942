"""The load test's people (issue 21): one Locust user class per role, each walking
its role's typical journey with a person's think time between pages.

Run by ``bench/load.py`` (``make bench``), which signs the seeded people in first
(password and second factor, once per account: a TOTP step is accepted once) and
hands their session cookies over in the JSON file named by ``BENCH_LOAD_SESSIONS``:
for each role, how many seeded people hold it and, for some of them, their cookies
and the paths of each step of their journey (``bench/targets.py``,
``discover_load``). Every request is a read: the approver looks at what waits for
them and approves nothing, so that runs can repeat on the same data.

How many users of each role: in proportion to how many people hold the role in
the seeded data (at scale 100: 2,000 manufacturers' representatives, 600 member
liaisons, 100 evaluators, 10 secretariat officers, 5 procurement officers, 4
co-lead approvers, 2 finance officers), with at least one of each, so that every
journey, and the staff's heavy pages, run at every step (``bench.load.user_counts``;
``BENCH_LOAD_USERS`` is the step's number of users). Without ``BENCH_LOAD_USERS``
(``locust -f bench/locustfile.py`` by hand) the head counts are Locust's weights.
"""

import itertools
import json
import os
import random
import sys
from pathlib import Path

from locust import FastHttpUser, between, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.load import user_counts

SESSIONS_FILE = os.environ.get("BENCH_LOAD_SESSIONS")
if not SESSIONS_FILE:
    raise SystemExit(
        "BENCH_LOAD_SESSIONS names the signed-in sessions' file: run bench/load.py"
    )
SESSIONS = json.loads(Path(SESSIONS_FILE).read_text())
HEAD_COUNTS = {
    role: entry["people_in_role"] for role, entry in SESSIONS.items() if entry["people"]
}
COUNTS = (
    user_counts(int(os.environ["BENCH_LOAD_USERS"]), HEAD_COUNTS)
    if os.environ.get("BENCH_LOAD_USERS")
    else None
)


def _configure(cls, role):
    """Present only if someone of the role signed in; a fixed number of users
    per step when the driver gives one, else weighted by head count."""
    people = SESSIONS.get(role, {}).get("people", [])
    cls.abstract = not people
    cls.people = people
    cls.turn = itertools.count()
    if COUNTS is not None:
        cls.fixed_count = COUNTS.get(role, 0)
    else:
        cls.weight = HEAD_COUNTS.get(role, 1)
    return cls


class Person(FastHttpUser):
    """A signed-in person of one role; each user is one of the seeded people
    (taken in turn) with their own session."""

    abstract = True
    # A person reads a page for a few seconds before opening the next one.
    wait_time = between(2, 8)
    role = ""
    journey = ()  # the steps, in order: keys of the person's paths

    def on_start(self):
        person = self.people[next(self.turn) % len(self.people)]
        self.username = person["user"]
        self.paths = person["paths"]
        self.cookie = "; ".join(f"{k}={v}" for k, v in person["cookies"].items())

    def open(self, step):
        paths = self.paths[step]
        # Redirects are not followed: a session that lapsed would land on the
        # sign-in page with a 200 and pass unnoticed.
        with self.client.get(
            random.choice(paths),
            name=f"{self.role}: {step}",
            headers={"Cookie": self.cookie},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code} for {self.username}")

    @task
    def walk(self):
        steps = [step for step in self.journey if step in self.paths]
        for number, step in enumerate(steps):
            if number:
                self.wait()
            self.open(step)


class Officer(Person):
    """A secretariat officer: the dashboard, what waits for them, the members,
    one member's record, an onboarding case, the bell's notifications."""

    role = "officer"
    journey = ("dashboard", "work", "members", "member", "onboarding", "notifications")


class ProcurementOfficer(Person):
    """A procurement officer: the tenders, one tender (opened ones with their
    bids), a contract, and the API lists their tools read."""

    role = "procurement"
    journey = ("start", "tenders", "tender", "contract", "api tenders", "api contracts")


class FinanceOfficer(Person):
    """A finance officer: the disbursements, one of them, the fund statement,
    the ledger's entries through the API."""

    role = "finance"
    journey = ("disbursements", "disbursement", "fund statement", "api ledger entries")


class Approver(Person):
    """A co-lead approver: the landing page, the disbursements waiting for them,
    one of them, their work and notifications; read-only (approves nothing)."""

    role = "approver"
    journey = ("start", "waiting for you", "disbursement", "work", "notifications")


class Liaison(Person):
    """A member liaison: the landing page, their own state's record, its
    pledges, their notifications."""

    role = "liaison"
    journey = ("start", "member", "pledges", "notifications")


class Manufacturer(Person):
    """A manufacturer's representative: the tenders open to them, one of them,
    their own bids."""

    role = "manufacturer"
    journey = ("tenders", "tender", "bids")


class Evaluator(Person):
    """An evaluator: their committees, then the evaluation page of a seat."""

    role = "evaluator"
    journey = ("queue", "evaluation")


for _cls in (
    Officer,
    ProcurementOfficer,
    FinanceOfficer,
    Approver,
    Liaison,
    Manufacturer,
    Evaluator,
):
    _configure(_cls, _cls.role)
del _cls  # Locust would take the name for one more user class
