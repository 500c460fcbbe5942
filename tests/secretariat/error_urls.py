"""The project's URLs and a view that fails, for the 500 page's test."""

from django.urls import path

from secretariat import urls as project_urls


def explode(request):
    raise RuntimeError("A fault in a view, for the error page's test.")


urlpatterns = [path("test-explode/", explode), *project_urls.urlpatterns]
handler400 = project_urls.handler400
handler404 = project_urls.handler404
