"""The product's own answer to a form refused by the CSRF check
(``CSRF_FAILURE_VIEW``). The other error pages are Django's handlers rendering
``templates/400.html``, ``403.html``, ``404.html`` and ``500.html``."""

from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.shortcuts import render


def csrf_failure(request, reason=""):
    """A form sent without a valid security token: mostly a page left open past
    the sign-in's end, or sent again after signing out and in. Nothing was
    saved; the way on is back to the form, reloaded. Django's reason (meant for
    developers) is not shown; only whether the browser refused the cookie."""
    return render(
        request,
        "403_csrf.html",
        {"no_cookie": reason == REASON_NO_CSRF_COOKIE},
        status=403,
    )
