"""The product as people see it: one layout with navigation by role, trails,
titles, lists sorted and filtered one way, empty states that say what to do,
messages after each action, and times in the person's own time zone."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from secretariat.accounts.models import User
from secretariat.kernel.timezones import time_zone_choices
from secretariat.notifications.models import Notification, NotificationKind

pytestmark = pytest.mark.django_db


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def nav_labels(page: str) -> list[str]:
    nav = page.split('<nav aria-label="Main">', 1)[1].split("</nav>", 1)[0]
    return re.findall(r"<a [^>]*>([^<]+)</a>", nav)


# ------------------------------------------------------------------ navigation


def test_staff_see_the_secretariats_places(client_for, people):
    labels = nav_labels(html(client_for(people.finance).get(reverse("my_work"))))
    for label in ("Dashboard", "Members", "Disbursements", "Fund", "Tenders"):
        assert label in labels


def test_a_liaison_sees_only_what_a_liaison_may_open(client_for, people):
    page = html(client_for(people.liaison_lv).get(reverse("procurement:tender_list")))
    labels = nav_labels(page)
    assert "Latvia" in labels and "Tenders" in labels
    for hidden in ("Dashboard", "Members", "Disbursements", "Requirements", "Admin"):
        assert hidden not in labels


def test_a_manufacturer_sees_their_bids_and_company(client_for, people, latvia):
    from tests.procurement.helpers import make_manufacturer

    _maker, rep = make_manufacturer(people, latvia, "SIA Baltic UAV", "LV1")
    labels = nav_labels(html(client_for(rep).get(reverse("procurement:tender_list"))))
    assert {"Tenders", "My bids", "Contracts", "My company"} <= set(labels)
    assert "Members" not in labels and "Fund statement" not in labels


def test_the_current_page_is_marked_in_the_navigation(client_for, people):
    page = html(client_for(people.officer).get(reverse("members:list")))
    assert f'<a href="{reverse("members:list")}" aria-current="page">' in page
    detail = html(
        client_for(people.officer).get(reverse("members:detail", args=["LV"]))
    )
    assert f'<a href="{reverse("members:list")}" aria-current="true">' in detail


# -------------------------------------------------------- titles and trails


@pytest.mark.parametrize(
    "name, args, title",
    [
        ("members:list", [], "Member states"),
        ("members:detail", ["LV"], "Latvia"),
        ("disbursement_list", [], "Disbursement requests"),
        ("procurement:tender_list", [], "Tenders"),
        ("notification_list", [], "Notifications"),
        ("account_settings", [], "Your settings"),
        ("search", [], "Search"),
    ],
)
def test_each_page_has_one_h1_and_a_title_that_says_where(
    client_for, people, name, args, title
):
    page = html(client_for(people.officer).get(reverse(name, args=args)))
    assert page.count("<h1") == 1
    assert re.search(r"<title>[^<]*" + re.escape(title), page)
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in page


def test_pages_below_the_top_have_a_trail(client_for, people):
    page = html(client_for(people.officer).get(reverse("members:detail", args=["LV"])))
    trail = page.split('<nav class="breadcrumbs"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/"' in trail and reverse("members:list") in trail
    assert '<li aria-current="page">Latvia</li>' in trail


def test_a_form_page_trail_leads_back_to_its_page(client_for, people):
    url = reverse("members:pledge_create", args=["LV"])
    page = html(client_for(people.officer).get(url))
    trail = page.split('<nav class="breadcrumbs"', 1)[1].split("</nav>", 1)[0]
    assert reverse("members:detail", args=["LV"]) in trail


def test_a_disbursement_actions_trail_ends_with_the_action(client_for, people, draft):
    request = draft("1000.00")
    url = reverse("disbursement_submit", args=[request.case.reference])
    page = html(client_for(people.finance).get(url))
    trail = page.split('<nav class="breadcrumbs"', 1)[1].split("</nav>", 1)[0]
    assert request.get_absolute_url() in trail
    assert '<li aria-current="page">Submit for checking</li>' in trail
    # An amount in euros is not followed by its own "EUR equivalent".
    assert "<dd>EUR 1,000.00</dd>" in page


# ------------------------------------------------------------- lists


def test_a_list_sorts_by_a_column_and_says_so(client_for, people, draft):
    small, large = draft("1000.00"), draft("900000.00")
    client = client_for(people.finance)
    page = html(client.get(reverse("disbursement_list"), {"sort": "amount"}))
    assert page.index(small.case.reference) < page.index(large.case.reference)
    assert re.search(r'aria-sort="ascending"[^>]*><a href="\?sort=-amount"', page)
    page = html(client.get(reverse("disbursement_list"), {"sort": "-amount"}))
    assert page.index(large.case.reference) < page.index(small.case.reference)
    assert 'aria-sort="descending"' in page


def test_a_list_filters_and_keeps_the_filter_when_sorting(client_for, people, draft):
    kept, other = draft(payee_name="SIA Drone Works"), draft(payee_name="Other Ltd")
    client = client_for(people.finance)
    page = html(client.get(reverse("disbursement_list"), {"q": "drone works"}))
    assert kept.case.reference in page and other.case.reference not in page
    assert 'href="?q=drone+works&amp;sort=reference"' in page


def test_an_unknown_sort_falls_back_to_the_default(client_for, people, draft):
    draft()
    page = html(
        client_for(people.finance).get(reverse("disbursement_list"), {"sort": "iban"})
    )
    assert 'aria-sort="descending"' in page  # newest first


def test_pages_keep_the_filters(client_for, people):
    Notification.objects.bulk_create(
        Notification(
            recipient=people.officer, kind=NotificationKind.values[0], title=f"N{n}"
        )
        for n in range(30)
    )
    page = html(
        client_for(people.officer).get(reverse("notification_list"), {"show": "unread"})
    )
    assert "Page 1 of 2" in page
    assert 'href="?show=unread&amp;page=2" rel="next"' in page


def test_an_empty_list_says_what_to_do_next(client_for, people):
    page = html(client_for(people.procurement).get(reverse("procurement:tender_list")))
    assert "No tenders yet." in page and "Publish one from a requirement." in page
    page = html(client_for(people.liaison_lv).get(reverse("procurement:tender_list")))
    assert "No tender is published yet." in page


def test_an_empty_filtered_list_offers_to_clear_the_filter(client_for, people):
    page = html(
        client_for(people.procurement).get(
            reverse("procurement:tender_list"), {"q": "nothing like this"}
        )
    )
    assert "No tender matches these filters." in page


def test_list_filters_are_labelled_and_work_inline(client_for, people):
    page = html(client_for(people.officer).get(reverse("members:list")))
    form = page.split('class="filters"', 1)[1].split("</form>", 1)[0]
    for field_id in re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', form):
        assert f'for="{field_id}"' in form
    assert 'hx-get="/members/"' in form and 'hx-select="#results"' in form
    assert '<div id="results">' in page


# ------------------------------------------------------------- htmx


def test_htmx_is_served_locally_and_deferred(client_for, people):
    page = html(client_for(people.officer).get(reverse("my_work")))
    assert re.search(r'<script src="/static/vendor/htmx\.min\.js" defer>', page)
    assert '<meta name="csrf-token"' in page


def test_a_notification_is_marked_read_inline(client_for, people):
    item = Notification.objects.create(
        recipient=people.officer, kind=NotificationKind.values[0], title="Look"
    )
    response = client_for(people.officer).post(
        reverse("notification_read"), {"id": item.pk}, HTTP_HX_REQUEST="true"
    )
    page = html(response)
    assert f'id="notification-{item.pk}" class="read"' in page
    assert 'id="notification-bell"' in page and 'hx-swap-oob="true"' in page
    item.refresh_from_db()
    assert item.read_at is not None


def test_without_javascript_marking_read_redirects_with_a_message(client_for, people):
    item = Notification.objects.create(
        recipient=people.officer, kind=NotificationKind.values[0], title="Look"
    )
    client = client_for(people.officer)
    response = client.post(reverse("notification_read"), {"id": item.pk}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("notification_list")
    assert "Notification marked as read." in html(response)


# ----------------------------------------------------------- time zones


def test_the_time_zone_choices_are_iana_names():
    names = dict(time_zone_choices())
    assert "Europe/Riga" in names and "Asia/Tokyo" in names
    assert "GB" not in names


def test_a_new_user_sees_times_in_riga(people):
    assert User.objects.get(pk=people.officer.pk).time_zone == "Europe/Riga"


def test_account_settings_asks_for_sign_in(client):
    response = client.get(reverse("account_settings"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_header_links_to_account_settings(client_for, people):
    page = html(client_for(people.liaison_jp).get(reverse("notification_list")))
    assert f'href="{reverse("account_settings")}"' in page


def test_a_person_sets_their_time_zone_and_sees_times_in_it(client_for, people):
    moment = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)
    Notification.objects.create(
        recipient=people.officer,
        kind=NotificationKind.values[0],
        title="Tender opened",
        created_at=moment,
    )
    client = client_for(people.officer)
    assert "21 Nov 2026, 14:00" in html(client.get(reverse("notification_list")))

    response = client.post(
        reverse("account_settings"), {"time_zone": "Asia/Tokyo"}, follow=True
    )
    assert "Times are now shown in Asia/Tokyo." in html(response)
    assert User.objects.get(pk=people.officer.pk).time_zone == "Asia/Tokyo"
    assert "21 Nov 2026, 21:00" in html(client.get(reverse("notification_list")))


def test_an_unknown_time_zone_is_refused_and_the_choice_kept(client_for, people):
    response = client_for(people.officer).post(
        reverse("account_settings"), {"time_zone": "Mars/Olympus_Mons"}
    )
    page = html(response)
    assert "Your settings were not saved" in page
    assert response.context["form"].errors["time_zone"]
    assert 'id="id_time_zone_error"' in page
    assert re.search(r'aria-describedby="[^"]*id_time_zone_error"', page)
    assert 'aria-invalid="true"' in page
    assert User.objects.get(pk=people.officer.pk).time_zone == "Europe/Riga"


def test_money_is_written_for_people(client_for, people, draft):
    draft("1250000.00")
    page = html(client_for(people.finance).get(reverse("disbursement_list")))
    assert "1,250,000.00" in page


def test_a_comment_posts_inline_and_without_javascript(client_for, people, draft):
    request = draft()
    page = html(client_for(people.finance).get(request.get_absolute_url()))
    comments = page.split('id="comments"', 1)[1].split("</section>", 1)[0]
    url = reverse("case_comment", args=[request.case.reference])
    assert f'hx-post="{url}"' in comments and 'hx-select="#comments"' in comments
    assert f'method="post" action="{url}"' in comments
    response = client_for(people.finance).post(url, {"body": "Bank asked."})
    assert response.status_code == 302
    page = html(client_for(people.finance).get(response["Location"]))
    assert "Comment added." in page and "Bank asked." in page


def test_a_refused_comment_keeps_the_page_and_says_why(client_for, people, draft):
    request = draft()
    url = reverse("case_comment", args=[request.case.reference])
    response = client_for(people.finance).post(url, {"body": ""})
    page = html(response)
    assert 'id="id_body_error"' in page
