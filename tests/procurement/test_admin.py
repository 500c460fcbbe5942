"""The Django admin of procurement: tender transitions through the services, and
the seal kept on every admin page before opening."""

import pytest
from django.urls import reverse

from procurement import services
from procurement.models import BidEvent, TenderStatus
from secretariat.kernel.models import TimelineEvent
from tests.conftest import refresh
from tests.procurement.helpers import SECRET_PRICE, bid, past_deadline, to_tendering
from tests.procurement.web import BID_COUNT

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:procurement_tender_changelist"


def _act(client, action, tender, **extra):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [tender.pk], **extra},
        follow=True,
    )


def test_admin_publishes_opens_and_cancels_through_the_services(
    client, people, bidders, tender
):
    client.force_login(people.admin)
    _act(client, "publish", tender)
    assert refresh(tender).status == TenderStatus.PUBLISHED
    assert TimelineEvent.objects.filter(to_status="published").exists()

    services.tenders_advance_by_deadlines(now=tender.clarification_deadline)
    tender = refresh(tender)
    (_m, rep), _ = bidders
    bid(rep, tender)
    page = _act(client, "open_bids", tender).content.decode()
    assert "Bids are open for submission until" in page
    assert refresh(tender).status == TenderStatus.TENDERING

    tender = past_deadline(tender)
    _act(client, "open_bids", tender)
    tender = refresh(tender)
    assert tender.status == TenderStatus.OPENED
    assert tender.opened_by == people.admin


def test_admin_cancel_needs_a_reason(client, people, tender):
    client.force_login(people.admin)
    page = _act(client, "cancel", tender, reason="").content.decode()
    assert "Give a reason for this change." in page
    assert refresh(tender).status == TenderStatus.DRAFT
    _act(client, "cancel", tender, reason="Requirement withdrawn by the AFU")
    assert refresh(tender).status == TenderStatus.CANCELLED
    assert TimelineEvent.objects.get(to_status="cancelled").reason == (
        "Requirement withdrawn by the AFU"
    )


def test_admin_pages_keep_the_seal_before_opening(client, people, bidders, tender):
    (_m, rep), _ = bidders
    tender = to_tendering(tender, people)
    sealed = bid(rep, tender)
    client.force_login(people.admin)
    pages = [
        reverse("admin:procurement_tender_changelist"),
        reverse("admin:procurement_tender_change", args=[tender.pk]),
        reverse("admin:procurement_bid_changelist"),
        reverse("admin:secretariat_timelineevent_changelist"),
        reverse("admin:index"),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert SECRET_PRICE not in html and "1,234.56" not in html, url
        # The admin never decrypts, so the price alone proves little: nor is a
        # bid linked or counted (the timeline names the company for its vetting).
        assert "/admin/procurement/bid/" + str(sealed.pk) not in html, url
        assert set(BID_COUNT.findall(html)) <= {"0 bids"}, url
        if "timelineevent" not in url:
            assert "SIA Baltic UAV" not in html, url
    changelist = client.get(reverse("admin:procurement_bid_changelist"))
    assert changelist.context["cl"].full_result_count == 0
    bid_page = client.get(reverse("admin:procurement_bid_change", args=[sealed.pk]))
    assert bid_page.status_code == 302  # "doesn't exist", like any unknown id
    assert BidEvent.objects.filter(bid=sealed).exists()

    services.tender_open(tender=past_deadline(tender), actor=people.procurement)
    opened = client.get(reverse("admin:procurement_bid_change", args=[sealed.pk]))
    assert opened.status_code == 200
    assert "submitted" in opened.content.decode().lower()
    assert SECRET_PRICE not in opened.content.decode()  # the admin never decrypts


def test_people_are_never_deleted_so_the_delete_page_lists_no_bid(
    client, people, bidders, tender
):
    (_m, rep), _ = bidders
    bid(rep, to_tendering(tender, people))
    client.force_login(people.admin)
    page = client.get(reverse("admin:secretariat_user_delete", args=[rep.pk]))
    assert page.status_code == 403
    assert "Bid" not in page.content.decode()
