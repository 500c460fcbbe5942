"""The search page behind the header's search box."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from secretariat.reports.search import MIN_LENGTH, search_for


@login_required
def search(request):
    query = request.GET.get("q", "").strip()[:100]
    groups = search_for(request.user, query)
    return render(
        request,
        "secretariat/search.html",
        {
            "query": query,
            "search_query": query,
            "groups": groups,
            "too_short": bool(query) and len(query) < MIN_LENGTH,
            "min_length": MIN_LENGTH,
        },
    )
