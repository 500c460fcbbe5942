"""Sortable column headers, page numbers and totals for the list pages (see
``secretariat.kernel.listing``)."""

from django import template
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext_lazy as _

register = template.Library()


@register.inclusion_tag("includes/sort_header.html", takes_context=True)
def sort_header(context, key, label, css_class=""):
    """A ``<th>`` whose link sorts the list by ``key`` (again: the other way),
    keeping the filters and going back to the first page."""
    link = context["sort"][key]
    params = context["request"].GET.copy()
    for name in ("page", "sort"):
        params.pop(name, None)
    params["sort"] = link.value
    return {
        "link": link,
        "label": label,
        "href": "?" + params.urlencode(),
        "css_class": css_class,
    }


@register.simple_tag
def page_numbers(page, on_each_side=2):
    """The page numbers shown around the current one: ``None`` for a gap."""
    numbers = page.paginator.get_elided_page_range(
        page.number, on_each_side=on_each_side, on_ends=0
    )
    return [n if isinstance(n, int) else None for n in numbers]


@register.inclusion_tag("includes/total_cell.html", takes_context=True)
def total_cell(context, key, css_class="num"):
    """A footer cell with the total of a money column over the filtered rows
    (``listing.Total``), one line per currency."""
    return {"sums": context.get("totals", {}).get(key, []), "css_class": css_class}


@register.inclusion_tag("includes/breadcrumbs.html", takes_context=True)
def breadcrumbs(context, *trail):
    """The trail above a page: pairs of (link, label) and, last, the page's own
    label. A link is a URL name (``"members:list"``) or a path (an object's
    ``get_absolute_url``); an empty link leaves that step out (a place the
    person may not open)."""
    *pairs, current = trail
    crumbs = []
    for link, label in zip(pairs[::2], pairs[1::2], strict=True):
        if not link:
            continue
        crumbs.append({"href": link if "/" in link else reverse(link), "label": label})
    return {"crumbs": crumbs, "current": current, "request": context.get("request")}


# The list each kind of page sits under, and how a page of that kind is named
# in a trail, for form pages that know only the page they return to.
_PARENTS = {
    "members:detail": ("members:list", _("Member states")),
    "members:onboarding": ("members:list", _("Member states")),
    "procurement:tender": ("procurement:tender_list", _("Tenders")),
    "procurement:manufacturer": (
        "procurement:manufacturer_list",
        _("Manufacturers"),
    ),
    "procurement:contract": ("procurement:contract_list", _("Contracts")),
    "procurement:bid": ("procurement:bid_list", _("My bids")),
    "procurement:evaluation": (
        "procurement:evaluation_queue",
        _("Evaluation queue"),
    ),
    "disbursement": ("disbursement_list", _("Disbursements")),
    "bank_statement": ("bank_statements", _("Bank statements")),
}
_LIST_LABELS = {
    "members:list": _("Member states"),
    "procurement:tender_list": _("Tenders"),
    "procurement:requirement_list": _("Requirements"),
    "procurement:manufacturer_list": _("Manufacturers"),
    "procurement:contract_list": _("Contracts"),
    "procurement:bid_list": _("My bids"),
    "procurement:evaluation_queue": _("Evaluation queue"),
    "disbursement_list": _("Disbursements"),
    "commitment_list": _("Commitments"),
    "adjustment_list": _("Adjustments"),
    "bank_statements": _("Bank statements"),
    "fund_statement": _("Fund statement"),
    "notification_list": _("Notifications"),
    "report_list": _("Reports"),
}


def _label_of(match):
    kwargs = match.kwargs
    if "reference" in kwargs:
        return kwargs["reference"]
    if match.view_name == "members:detail":
        return kwargs["code"].upper()
    if match.view_name == "procurement:contract":
        return f"CTR-{kwargs['pk']:05d}"
    if match.view_name == "procurement:evaluation":
        # A committee seat's page is named by its tender, as its own trail is.
        from procurement.models import CommitteeMember

        return CommitteeMember.objects.filter(pk=kwargs["pk"]).values_list(
            "tender__case__reference", flat=True
        ).first() or str(kwargs["pk"])
    if match.view_name == "procurement:manufacturer":
        from procurement.models import Manufacturer

        return Manufacturer.objects.filter(pk=kwargs["pk"]).values_list(
            "name", flat=True
        ).first() or str(kwargs["pk"])
    return str(kwargs.get("pk", ""))


@register.inclusion_tag("includes/breadcrumbs.html", takes_context=True)
def breadcrumbs_to(context, back_url, current):
    """The trail of a form page, worked out from the page it returns to: that
    page's list, that page, then this form."""
    crumbs = []
    try:
        match = resolve(back_url)
    except Resolver404:
        match = None
    if match is not None:
        name = match.view_name
        if name in _LIST_LABELS:
            crumbs.append({"href": back_url, "label": _LIST_LABELS[name]})
        elif name in _PARENTS:
            parent, label = _PARENTS[name]
            # A liaison's way in is their state's page, not the list of states.
            if not (parent == "members:list" and not context.get("nav_is_staff")):
                crumbs.append({"href": reverse(parent), "label": label})
            crumbs.append({"href": back_url, "label": _label_of(match)})
        else:
            crumbs.append({"href": back_url, "label": _("Back")})
    return {"crumbs": crumbs, "current": current}
