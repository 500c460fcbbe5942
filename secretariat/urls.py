from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from members.views import LiaisonAcceptView
from secretariat import views
from secretariat.api import ObtainTokenView, router

admin.site.site_header = "Drone Coalition secretariat: administration"
admin.site.site_title = "Drone Coalition admin"

urlpatterns = [
    path("", views.start, name="start"),
    path("healthz", views.healthz, name="healthz"),
    path("work/", views.my_work, name="my_work"),
    path("documents/<int:pk>/", views.attachment_download, name="attachment"),
    path("cases/<str:reference>/comments/", views.case_comment, name="case_comment"),
    path("accounts/", include("django.contrib.auth.urls")),
    path(
        "accounts/activate/<uidb64>/<token>/",
        LiaisonAcceptView.as_view(),
        name="liaison_accept",
    ),
    path("", include("members.urls")),
    path("admin/", admin.site.urls),
    path("api/", include(router.urls)),
    path("api/auth/token/", ObtainTokenView.as_view(), name="api_token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api_docs"
    ),
]
