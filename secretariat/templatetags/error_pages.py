"""The way back from an error page."""

from django import template
from django.core.exceptions import DisallowedHost
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

register = template.Library()


@register.simple_tag(takes_context=True)
def back_url(context) -> str:
    """The page the person came from, when it is one of ours (the Referer of
    the request), or else the start page. A page rendered without its request
    (Django's 400 and 500 pages) gets the start page; the error pages' script
    makes the link go back in the browser's history instead, when there is
    one."""
    request = context.get("request")
    referer = request.META.get("HTTP_REFERER", "") if request is not None else ""
    if referer:
        try:
            host = request.get_host()
        except DisallowedHost:
            host = None
        if host and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={host}, require_https=request.is_secure()
        ):
            return referer
    return reverse("start")
