"""The dashboard's figures are kept in the cache per visibility scope and
computed afresh after any write they read: each scope sees its own figures
whatever was cached before, a change made through a service shows on the next
request, the person's own overdue work is never shared, and a warm dashboard
costs a few queries, the same however much data there is."""

import datetime as dt
import re

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from members import services as member_services
from members.models import MemberState
from procurement import services as procurement_services
from procurement.models import Delivery
from secretariat.kernel import cache as safe_cache
from secretariat.reports import dashboard
from tests.procurement.helpers import to_tendering
from tests.secretariat import test_dashboard as dashboard_tests
from tests.secretariat.fund_fixtures import receive
from tests.secretariat.test_dashboard import grow, new_tender, pay, shown

pytestmark = pytest.mark.django_db

# The dashboard's fixtures: a signed contract, drones delivered, money paid.
bidders = dashboard_tests.bidders
tender = dashboard_tests.tender
evaluated = dashboard_tests.evaluated
contract = dashboard_tests.contract
coalition = dashboard_tests.coalition

URL = reverse("dashboard")
# A warm dashboard: the signed-in floor (one query with a shared cache, more
# without: sessions are then read from the database) and the person's own
# overdue work (two); no figure is read from the tables.
WARM_BUDGET = 10


def page(client, user):
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def as_of(html):
    return re.search(r"Figures as of ([^;]*);", html).group(1)


# ---------------------------------------------------------------- scopes


def test_the_scope_is_the_one_the_figures_are_read_in(people):
    for who in ("officer", "procurement", "finance", "approver_lv", "admin"):
        assert dashboard.dashboard_scope(getattr(people, who)) == ("staff",)
    for who in ("liaison_jp", "liaison_lv", "manufacturer", "evaluator", "outsider"):
        assert dashboard.dashboard_scope(getattr(people, who)) == ("none",)


@pytest.mark.parametrize("staff_first", [True, False])
def test_each_scope_sees_its_own_figures_whatever_was_cached_first(
    client, people, coalition, staff_first
):
    others = [people.liaison_lv, people.liaison_jp, people.manufacturer]
    if staff_first:
        html = page(client, people.officer)
    for user in others:
        # The page is the staff's; the readers answer others nothing, from
        # the cache or not.
        client.force_login(user)
        assert client.get(URL).status_code == 403
        board = dashboard.dashboard_for(user)
        assert board.fund.total.received == 0
        assert (board.drones.contracted, board.tenders.total) == (0, 0)
        assert board.onboarding.open_steps == 0
        assert sum(board.fund_months.series["received"]) == 0
    html = page(client, people.officer)
    assert shown(html, "fund-received") == "EUR 9 M"
    assert shown(html, "drones-delivered") == "230"
    assert shown(html, "steps-open") == "7"
    # And others still nothing, with the staff's figures in the cache.
    for user in others:
        assert dashboard.dashboard_for(user).fund.total.received == 0


def test_staff_share_the_figures_but_not_their_overdue_work(
    client, people, coalition, django_assert_max_num_queries
):
    officer = page(client, people.officer)
    # The officer owns Japan's case: its seven steps are past due.
    assert officer.count('<span class="badge overdue">') == 7
    client.force_login(people.finance)
    client.get(URL)  # the floor's first request
    with django_assert_max_num_queries(WARM_BUDGET):
        finance = client.get(URL).content.decode()
    assert "Nothing awaiting you is past due." in finance
    assert shown(finance, "fund-received") == "EUR 9 M"
    # The same computation: the same time.
    assert as_of(finance) == as_of(officer)


# ---------------------------------------------------------------- freshness


def test_money_received_shows_on_the_next_request(client, people, coalition):
    assert shown(page(client, people.finance), "fund-received") == "EUR 9 M"
    receive(people, MemberState.objects.get(country="LV"), "1000000.00")
    html = page(client, people.finance)
    assert shown(html, "fund-received") == "EUR 10 M"
    assert '<td class="num">EUR 7,650,000.00</td>' in html  # the total available


def test_a_payment_shows_on_the_next_request(
    client, people, coalition, draft, checker, payer
):
    assert shown(page(client, people.finance), "fund-disbursed") == "EUR 250 k"
    pay(people, checker, payer, draft, "100000.00")
    assert shown(page(client, people.finance), "fund-disbursed") == "EUR 350 k"


def test_deliveries_show_on_the_next_request(client, people, coalition):
    html = page(client, people.procurement)
    assert (shown(html, "drones-delivered"), shown(html, "drones-accepted")) == (
        "230",
        "140",
    )
    procurement_services.delivery_decide(
        delivery=Delivery.objects.get(quantity=80), actor=people.procurement,
        quantity_accepted=80, test_site="Sēlia military training ground",
        tested_on=timezone.localdate(), note="All passed",
    )  # fmt: skip
    html = page(client, people.procurement)
    assert (shown(html, "drones-delivered"), shown(html, "drones-accepted")) == (
        "230",
        "220",
    )


def test_a_tender_moving_shows_on_the_next_request(client, people, coalition):
    before = int(shown(page(client, people.procurement), "tenders-total"))
    draft_tender = new_tender(people, "Interceptors")
    # A draft is not under way.
    assert int(shown(page(client, people.procurement), "tenders-total")) == before
    to_tendering(draft_tender, people)
    html = page(client, people.procurement)
    assert int(shown(html, "tenders-total")) == before + 1


def test_onboarding_moves_show_on_the_next_request(client, people, coalition):
    html = page(client, people.officer)
    assert (shown(html, "states-invited"), shown(html, "steps-open")) == ("1", "7")
    onboarding = MemberState.objects.get(country="JP").onboarding_cases.get()
    member_services.onboarding_step_complete(
        step=onboarding.steps.get(kind="acknowledgement"), actor=people.officer,
        note="ok",
    )  # fmt: skip
    html = page(client, people.officer)
    assert (shown(html, "steps-open"), shown(html, "steps-overdue")) == ("6", "6")
    member_services.member_transition(
        member_state=MemberState.objects.get(country="JP"), to_status="considering",
        actor=people.officer, reason="The ministry is considering it",
    )  # fmt: skip
    html = page(client, people.officer)
    assert (shown(html, "states-invited"), shown(html, "states-considering")) == (
        "0",
        "1",
    )


def test_the_figures_are_as_of_their_computation(client, people, coalition):
    client.force_login(people.officer)

    def computed_at():
        return client.get(URL).context["board"].as_of

    first = computed_at()
    assert computed_at() == first  # from the cache: as of then, not now
    receive(people, MemberState.objects.get(country="LV"), "1000.00")
    assert computed_at() > first


def test_a_new_day_computes_again(people, coalition, monkeypatch):
    today = timezone.localdate()
    first = dashboard.dashboard_for(people.officer)
    assert dashboard.dashboard_for(people.officer).as_of == first.as_of
    monkeypatch.setattr(
        dashboard.timezone, "localdate", lambda: today + dt.timedelta(days=1)
    )
    assert dashboard.dashboard_for(people.officer).as_of > first.as_of


def test_the_dashboard_works_without_the_cache(client, people, coalition, monkeypatch):
    backend = type(caches["default"])

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    for name in ("get", "set", "add", "incr"):
        monkeypatch.setattr(backend, name, down)
    try:
        html = page(client, people.officer)
        assert shown(html, "fund-received") == "EUR 9 M"
        receive(people, MemberState.objects.get(country="LV"), "1000000.00")
        assert shown(page(client, people.officer), "fund-received") == "EUR 10 M"
    finally:
        monkeypatch.undo()
        safe_cache.reset_breaker()


# ---------------------------------------------------------------- queries


def test_a_warm_dashboard_costs_few_queries_flat_in_the_data(
    client, people, coalition, django_assert_max_num_queries
):
    client.force_login(people.officer)
    grow(people, 0)
    client.get(URL)  # computes the figures, fills the floor's cache
    with django_assert_max_num_queries(WARM_BUDGET) as small:
        assert client.get(URL).status_code == 200
    grow(people, 1)
    client.get(URL)
    with django_assert_max_num_queries(WARM_BUDGET) as large:
        html = client.get(URL).content.decode()
    assert len(large) == len(small)
    assert shown(html, "tenders-total") == "4"
    # No figure is read from the tables on a warm request.
    read = " ".join(q["sql"] for q in large.captured_queries)
    for table in (
        "secretariat_pool",
        "secretariat_ledgermonth",
        "procurement_deliverymonth",
        "members_memberstate",
    ):
        assert f'FROM "{table}"' not in read
