"""Buttons say what they do, and the ones that end something look it: cancelling
a request or a tender, rejecting, suspending a state, releasing a commitment
carry the danger style; the others do not. Each button's words are a verb
("Request accession"), never the status it leads to ("Accession requested")."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from members import services as member_services
from secretariat.fund.services import disbursements as dsb
from tests.conftest import refresh
from tests.procurement.helpers import draft_tender

pytestmark = pytest.mark.django_db


class _Buttons(HTMLParser):
    """Every button of a page, and every link styled as one or as a danger,
    as (words, classes, disabled)."""

    def __init__(self):
        super().__init__()
        self.found, self._open = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        if tag == "button" or (tag == "a" and classes & {"button", "danger"}):
            self._open.append([tag, classes, "disabled" in attrs, []])

    def handle_data(self, data):
        for element in self._open:
            element[3].append(data)

    def handle_endtag(self, tag):
        if self._open and self._open[-1][0] == tag:
            _tag, classes, disabled, words = self._open.pop()
            self.found.append((" ".join("".join(words).split()), classes, disabled))


def buttons(client, url) -> dict[str, set]:
    response = client.get(url)
    assert response.status_code == 200, url
    parser = _Buttons()
    parser.feed(response.content.decode())
    return {words: classes for words, classes, _disabled in parser.found}


def test_a_draft_request_offers_its_cancelling_as_a_danger(client_for, people, draft):
    request = draft("100000.00")
    shown = buttons(client_for(people.finance), request.get_absolute_url())
    assert "danger" in shown["Cancel the request"]
    assert "danger" not in shown["Submit for checking"]


def test_the_approvers_reject_is_a_danger_and_approve_is_not(
    client_for, people, draft, checker
):
    request = draft("100000.00")
    dsb.disbursement_submit(request=request, actor=people.finance)
    dsb.disbursement_check(request=refresh(request), actor=checker)
    url = request.get_absolute_url()
    shown = buttons(client_for(people.approver_lv), url)
    assert "danger" in shown["Reject"]
    assert "danger" not in shown["Approve"]
    assert "danger" not in shown["Return for changes"]
    # The confirmation page's own button says so too.
    confirm = buttons(
        client_for(people.approver_lv),
        reverse("disbursement_reject", args=[request.case.reference]),
    )
    assert "danger" in confirm["Confirm: Reject"]


def test_a_tender_offers_its_cancelling_as_a_danger(client_for, people):
    tender = draft_tender(people)
    url = reverse("procurement:tender", args=[tender.case.reference])
    shown = buttons(client_for(people.procurement), url)
    assert "danger" in shown["Cancel the tender"]
    assert "danger" not in shown["Publish"]
    confirm = buttons(
        client_for(people.procurement),
        reverse("procurement:tender_cancel", args=[tender.case.reference]),
    )
    assert "danger" in confirm["Confirm: Cancel the tender"]


def test_a_member_states_moves_are_verbs_and_the_ending_ones_dangers(
    client_for, people, latvia, japan
):
    officer = client_for(people.officer)
    shown = buttons(officer, latvia.get_absolute_url())
    assert "danger" in shown["Suspend"]
    assert "danger" in shown["Record the withdrawal"]
    assert "danger" not in shown["Set the participation constraints"]
    assert "Withdrawn" not in shown and "Participation constraints" not in shown

    confirm = buttons(officer, reverse("members:transition", args=["LV", "suspended"]))
    assert "danger" in confirm["Confirm: Suspend"]
    confirm = buttons(officer, reverse("members:transition", args=["LV", "withdrawn"]))
    assert "danger" in confirm["Confirm: Record the withdrawal"]

    # Japan, invited: what it answered is recorded with a verb.
    member_services.member_transition(
        member_state=japan, to_status="invited", actor=people.officer, reason="r"
    )
    shown = buttons(officer, refresh(japan).get_absolute_url())
    assert "danger" not in shown["Record that it is considering"]
    assert "danger" in shown["Record that it declined"]
    assert "Declined" not in shown and "Acknowledged: considering" not in shown


def test_releasing_a_commitment_is_a_danger(client_for, people, commitment):
    shown = buttons(client_for(people.finance), reverse("commitment_list"))
    assert "danger" in shown["Release"]
    assert "danger" not in shown["Commit money of a pool"]
