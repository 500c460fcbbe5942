"""The filters of the member lists (see ``secretariat.kernel.listing``)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from members.models import MemberStatus
from secretariat.kernel.listing import SearchFilter, TickFilter, status_filter


class MemberFilter(django_filters.FilterSet):
    q = SearchFilter("name__icontains", "country__iexact", label=_("Search"))
    status = status_filter(MemberStatus.choices)
    co_lead = TickFilter(field_name="is_co_lead", label=_("Co-leads only"))


MEMBER_SORTS = {"name": "name", "status": "status", "joined_on": "joined_on"}
