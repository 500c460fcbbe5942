"""A list's count and totals are kept in the cache under their exact SQL and
the version of the table's rows (``secretariat.kernel.listing.cached_figure``):
a saved or deleted row shows on the next request, and two scopes or filters
never share a figure."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.models import MemberState
from secretariat.kernel.listing import cached_figure
from tests.factories import MemberStateFactory

pytestmark = pytest.mark.django_db


def count(queryset):
    return cached_figure(queryset, "count", queryset.count)


def test_a_kept_count_is_read_without_a_query_and_changes_with_a_row():
    MemberStateFactory(country="FR")
    everyone = MemberState.objects.all()
    first = count(everyone)
    with CaptureQueriesContext(connection) as queries:
        assert count(MemberState.objects.all()) == first
    assert len(queries) == 0

    MemberStateFactory(country="DE")
    assert count(MemberState.objects.all()) == first + 1
    MemberState.objects.get(country="DE").delete()
    assert count(MemberState.objects.all()) == first


def test_each_filter_and_scope_has_its_own_figure():
    MemberStateFactory(country="FR")
    MemberStateFactory(country="DE")
    everyone = count(MemberState.objects.all())
    # Another WHERE (as another person's scope would be) is another key.
    assert count(MemberState.objects.filter(country="FR")) == 1
    assert count(MemberState.objects.filter(country="XX")) == 0
    assert count(MemberState.objects.all()) == everyone
