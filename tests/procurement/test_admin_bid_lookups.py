"""No admin list tells who bid before the opening: every lookup path from every
registered ModelAdmin that reaches a bid (or a bid's trail) is refused, so no
result count or facet count can say which companies bid or how many bids exist.
"""

import pytest
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.urls import reverse

from procurement import services
from procurement.models import Bid, BidEvent, Manufacturer, Tender
from secretariat.kernel.admin_site import sealed_model_on_path, with_sealed_lookups
from tests.procurement.helpers import bid, past_deadline, to_tendering

pytestmark = pytest.mark.django_db

SEALED = (Bid, BidEvent)
DEPTH = 3


def paths_to_sealed(model, depth=DEPTH, prefix=()):
    """Every lookup path from ``model`` through its relations (forward and
    reverse, up to ``depth`` hops) that ends on a bid or a bid event."""
    for field in model._meta.get_fields():
        if not field.is_relation or field.related_model is None:
            continue
        path = (*prefix, field.name)
        if field.related_model in SEALED:
            yield "__".join(path), field.related_model
        elif depth > 1:
            yield from paths_to_sealed(field.related_model, depth - 1, path)


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.fixture
def sealed_bid(people, bidders, tender):
    (_maker, rep), _other = bidders
    sealed = bid(rep, to_tendering(tender, people))
    assert sealed.lot.tender.is_sealed
    return sealed


def test_the_generic_walk_finds_the_paths_that_told():
    # The test below is only as good as its walk: these are the reported ones.
    found = {path for path, _ in paths_to_sealed(Manufacturer)}
    assert {"bids", "member_state__manufacturers__bids"} <= found
    assert "lots__bids" in {path for path, _ in paths_to_sealed(Tender)}
    assert ("events", BidEvent) in set(paths_to_sealed(Bid))


def test_no_admin_lookup_reaches_a_sealed_bid(client, people, sealed_bid):
    client.force_login(people.admin)
    event = BidEvent.objects.filter(bid=sealed_bid).first()
    ids = {Bid: sealed_bid.pk, BidEvent: event.pk}
    tried = []
    for model in admin.site._registry:
        url = changelist(model)
        for path, target in paths_to_sealed(model):
            for query in (
                {f"{path}__isnull": "False"},
                {f"{path}__isnull": "False", "_facets": "True"},
                {path: ids[target]},
                {f"{path}__id": ids[target], "_facets": "True"},
            ):
                response = client.get(url, query)
                assert response.status_code == 400, (url, query)
                tried.append((url, path))
    assert len(tried) > 100  # every registered admin was walked


def test_the_reported_filters_are_refused(client, people, sealed_bid):
    client.force_login(people.admin)
    url = changelist(Manufacturer)
    assert client.get(url, {"bids__isnull": "False"}).status_code == 400
    assert client.get(url, {"bids__id": sealed_bid.pk}).status_code == 400
    assert client.get(url, {"bids": sealed_bid.pk, "_facets": "1"}).status_code == 400
    # The manufacturer list itself, its own filters and facets, still work.
    page = client.get(url, {"vetting_status": "vetted", "_facets": "True"})
    assert page.status_code == 200
    assert page.context["cl"].result_count == Manufacturer.objects.count() == 2


def test_no_admin_declares_a_filter_search_or_ordering_through_bids():
    errors = [
        error
        for model_admin in admin.site._registry.values()
        for error in model_admin.check()
        if error.id == "secretariat.E010"
    ]
    assert errors == []


def test_an_admin_filtering_through_bids_fails_the_checks():
    class Leaky(ModelAdmin):
        list_filter = ["bids__status", "member_state"]
        search_fields = ["name", "bids__lot__title"]
        ordering = ["-bids__submitted_at"]

    model_admin = with_sealed_lookups(Leaky)(Manufacturer, admin.site)
    messages = [e.msg for e in model_admin.check() if e.id == "secretariat.E010"]
    assert messages == [
        "list_filter reaches procurement.Bid through 'bids__status': its rows are "
        "sealed from other admin lists.",
        "search_fields reaches procurement.Bid through 'bids__lot__title': its rows "
        "are sealed from other admin lists.",
        "ordering reaches procurement.Bid through 'bids__submitted_at': its rows "
        "are sealed from other admin lists.",
    ]
    assert sealed_model_on_path(Manufacturer, "member_state__name") is None


def test_the_bid_admin_lists_the_bids_once_opened(client, people, sealed_bid):
    client.force_login(people.admin)
    url = changelist(Bid)
    assert client.get(url).context["cl"].result_count == 0

    tender = past_deadline(sealed_bid.lot.tender)
    services.tender_open(tender=tender, actor=people.procurement)
    page = client.get(url)
    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == [sealed_bid]
    assert "SIA Baltic UAV" in page.content.decode()
    # Its own fields still filter it.
    assert client.get(url, {"status": "submitted"}).context["cl"].result_count == 1
    assert client.get(url, {"status": "withdrawn"}).context["cl"].result_count == 0
