from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("members/", views.member_list, name="list"),
    path("members/<str:code>/", views.member_detail, name="detail"),
    path(
        "members/<str:code>/move/<str:to_status>/",
        views.member_transition,
        name="transition",
    ),
    path(
        "members/<str:code>/constraints/", views.member_constraints, name="constraints"
    ),
    path(
        "members/<str:code>/liaisons/invite/",
        views.liaison_invite,
        name="liaison_invite",
    ),
    path(
        "members/<str:code>/liaisons/<int:user_id>/resend/",
        views.liaison_resend,
        name="liaison_resend",
    ),
    path("members/<str:code>/pledges/new/", views.pledge_create, name="pledge_create"),
    path("pledges/<int:pk>/cancel/", views.pledge_cancel, name="pledge_cancel"),
    path(
        "pledges/<int:pk>/contributions/new/",
        views.contribution_create,
        name="contribution_create",
    ),
    path("onboarding/<str:reference>/", views.onboarding_detail, name="onboarding"),
    path(
        "onboarding/<str:reference>/steps/<int:step_pk>/complete/",
        views.step_complete,
        name="step_complete",
    ),
    path(
        "onboarding/<str:reference>/steps/<int:step_pk>/assign/",
        views.step_assign,
        name="step_assign",
    ),
    path(
        "onboarding/<str:reference>/documents/new/",
        views.document_upload,
        name="document_upload",
    ),
]
