"""The REST API's shared parts: the router every app registers on, token login,
and the one handler that turns refused business rules into responses."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import exception_handler as drf_exception_handler

from secretariat.exceptions import ApplicationError


def exception_handler(exc, context):
    """Refused business rules answer 400 or 409 with their message (and the field
    they concern); everything else goes through DRF's handler."""
    if isinstance(exc, ApplicationError):
        body = {"detail": exc.message, "code": exc.code}
        if exc.field:
            body["field"] = exc.field
        return Response(body, status=exc.status_code)
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)


class ObtainTokenView(ObtainAuthToken):
    """Exchange a user name and password for an API token."""

    @extend_schema(tags=["auth"])
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


router = DefaultRouter()


def _register_apps():
    from members.api import register as register_members

    register_members(router)


_register_apps()
