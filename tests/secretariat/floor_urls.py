"""The project's URLs and a view that does nothing, for counting what a signed-in
request costs before any view runs (``/bench/bare/`` is routed only under
``BENCH_INSTRUMENTS``)."""

from django.http import HttpResponse
from django.urls import path

from secretariat import urls as project_urls


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("test-floor/bare/", bare), *project_urls.urlpatterns]
handler400 = project_urls.handler400
handler404 = project_urls.handler404
