"""The authorization matrix (``matrix.py``) asked of the running application:
every page and every API operation, as every kind of person, on one object
each, own versus another state's or company's. A page or an operation without
a row fails the suite, by name."""

import pytest

from members.models import Pledge
from procurement.models import Bid, Manufacturer, Tender
from secretariat.fund.models import DisbursementRequest, DisbursementStatus
from secretariat.kernel.models import Attachment
from tests.conftest import refresh
from tests.files import pdf
from tests.security import matrix, surface
from tests.security.bodies import body_for
from tests.security.client import REFUSED, agrees, api_client, ask, web_client


def _unlisted(found: set, listed: set, what: str) -> str:
    lines = [
        f"{what} without a row in tests/security/matrix.py: {sorted(found - listed)}"
    ]
    if listed - found:
        lines.append(f"rows for {what} that no longer exist: {sorted(listed - found)}")
    return "\n".join(lines)


def test_every_page_has_a_row():
    pages = surface.web_pages()
    assert pages == set(matrix.WEB), _unlisted(pages, set(matrix.WEB), "pages")


def test_every_api_operation_has_a_row():
    operations = surface.api_operations()
    assert operations == set(matrix.API), _unlisted(
        operations, set(matrix.API), "API operations"
    )


class Asking:
    """One signed-in client per person, reused for every row."""

    def __init__(self, world, make_client):
        self.world = world
        self.clients = {}
        self.make_client = make_client

    def client(self, name):
        if name not in self.clients:
            user = None if name == "anonymous" else self.world.user(name)
            self.clients[name] = self.make_client(user)
        return self.clients[name]


def _report(mismatches) -> str:
    return f"{len(mismatches)} answers differ from the matrix:\n" + "\n".join(
        f"  {key} on {what}, as {who} ({name}): expected {expected}, got {got}"
        for key, what, who, name, expected, got in mismatches
    )


@pytest.mark.django_db
def test_web_pages_answer_as_the_matrix_says(world, quiet_refusals):
    asking = Asking(world, web_client)
    mismatches = []
    for key, rows in sorted(matrix.WEB.items()):
        what, url_of = matrix.web_object(key)
        owners = matrix.WEB_OWNERS.get(key, matrix.LATVIAN)
        url = url_of(world)
        for method, answers in rows:
            for who, expected in zip(matrix.WHO, answers, strict=True):
                name = owners.user_name(who)
                client = asking.client(name)
                asked = [(method, expected)]
                if method == "GET/POST":
                    asked = [("GET", expected)]
                    if expected in REFUSED:
                        asked.append(("POST", expected))
                for verb, wanted in asked:
                    got = ask(client, verb, url)
                    if not agrees(wanted, got):
                        mismatches.append(
                            (f"{verb} {url} ({key})", what, who, name, wanted, got)
                        )
    assert not mismatches, _report(mismatches)


@pytest.mark.django_db
def test_api_operations_answer_as_the_matrix_says(world, quiet_refusals):
    asking = Asking(world, api_client)
    mismatches = []
    for key, [(method, answers)] in sorted(matrix.API.items()):
        path = key.split()[1]
        what, url_of = matrix.api_object(path)
        owners = matrix.api_owners(path)
        url = url_of(world)
        for who, expected in zip(matrix.WHO, answers, strict=True):
            name = owners.user_name(who)
            got = ask(asking.client(name), method, url, **body_for(key, world))
            if not agrees(expected, got):
                mismatches.append((f"{method} {url}", what, who, name, expected, got))
    assert not mismatches, _report(mismatches)


def _snapshot(world) -> dict:
    """What the refused writes below must leave as it was."""
    return {
        "attachments": Attachment.objects.count(),
        "deliveries": world.contract.deliveries.count(),
        "latvia": refresh(world.people.liaison_lv.member_state).status,
        "checked": refresh(world.checked).status,
        "sealed bid": refresh(world.sealed_bid).status,
        "pledges": Pledge.objects.count(),
        "vetting": refresh(world.maker_lv).vetting_status,
        "tenders": Tender.objects.count(),
        "bids": Bid.objects.count(),
        "manufacturers": Manufacturer.objects.count(),
        "disbursements": DisbursementRequest.objects.count(),
    }


@pytest.mark.django_db
def test_refused_writes_change_nothing(world, quiet_refusals):
    """Well-formed writes by people the matrix refuses, sent for real (no
    savepoint): each is refused and nothing in the records moves."""
    w = world
    web = {name: web_client(w.user(name)) for name in
           ["procurement", "rep_gb", "liaison_lv", "liaison_jp"]}  # fmt: skip
    api = {name: api_client(w.user(name)) for name in
           ["officer", "rep_gb", "liaison_jp", "finance", "evaluator"]}  # fmt: skip
    before = _snapshot(w)
    checked = w.checked.case.reference
    writes = [
        ("procurement adds a document to a disbursement", 403, lambda: web[
            "procurement"].post(f"/disbursements/{w.request.case.reference}/documents/new/",
                                {"file": pdf("invoice.pdf")})),
        ("UK Drones reports a delivery on SIA Baltic UAV's contract", 404, lambda: web[
            "rep_gb"].post(f"/contracts/{w.contract.pk}/deliveries/new/",
                           {"milestone": w.contract.milestones.first().pk,
                            "quantity": 1})),
        ("Latvia's liaison suspends Latvia", 403, lambda: web["liaison_lv"].post(
            "/members/LV/move/suspended/", {"reason": "r"})),
        ("Japan's liaison records a pledge for Latvia", 404, lambda: web[
            "liaison_jp"].post("/members/LV/pledges/new/", {
                "year": 2026, "amount": "1", "currency": "EUR",
                "earmark": "unrestricted"})),
        ("the secretariat officer rejects a checked disbursement", 403, lambda: api[
            "officer"].post(f"/api/disbursements/{checked}/reject/",
                            {"reason": "r"}, format="json")),
        ("UK Drones withdraws SIA Baltic UAV's sealed bid", 404, lambda: api[
            "rep_gb"].post(f"/api/bids/{w.sealed_bid.public_id}/withdraw/")),
        ("Japan's liaison pledges for Latvia", 400, lambda: api["liaison_jp"].post(
            "/api/pledges/", {"member_state": "LV", "year": 2026,
                              "amount": "100.00", "currency": "EUR"},
            format="json")),
        ("the finance officer suspends SIA Baltic UAV", 403, lambda: api[
            "finance"].post(f"/api/manufacturers/{w.maker_lv.pk}/vet/",
                            {"to_status": "suspended", "reason": "r"},
                            format="json")),
        ("an evaluator drafts a tender", 403, lambda: api["evaluator"].post(
            "/api/tenders/", body_for("POST /api/tenders/", w)["data"],
            format="json")),
    ]  # fmt: skip
    answers = {what: (code, call().status_code) for what, code, call in writes}
    assert {k: got for k, (_code, got) in answers.items()} == {
        k: code for k, (code, _got) in answers.items()
    }
    assert _snapshot(w) == before
    assert before["checked"] == DisbursementStatus.CHECKED
