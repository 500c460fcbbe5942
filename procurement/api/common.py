"""What procurement's endpoints share: permissions, fields, the viewset base."""

import json
import uuid

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.utils import html

from procurement.models import (
    Bid,
    Tender,
)
from secretariat.kernel.api import (
    CanListModel,
    ScopedViewSet,
)
from secretariat.kernel.api_fields import LookupSlugField
from secretariat.kernel.models import CapabilityCategory

TENDER_REFERENCE = "TND-[0-9]{4}-[0-9]{4,}"


class CanAct(BasePermission):
    """Each write needs its permission in general: a role that may never do it
    is refused with 403 before anything is looked up (so the refusal says nothing
    of what exists). The service checks it again against the object."""

    message = _("You are not allowed to do this.")

    def has_permission(self, request, view):
        perm = view.action_permissions.get(view.action)
        return perm is None or request.user.has_perm(perm)


class ProcurementViewSet(ScopedViewSet):
    permission_classes = [IsAuthenticated, CanListModel, CanAct]
    action_permissions: dict[str, str] = {}

    def answer(self, obj, code=status.HTTP_200_OK):
        """The object as the caller now reads it, through the scoped queryset."""
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(obj).data, status=code)


def _validated(serializer_class, request, **kwargs):
    data = serializer_class(data=request.data, context={"request": request}, **kwargs)
    data.is_valid(raise_exception=True)
    return data.validated_data


def _scope(serializer, field, queryset):
    serializer.fields[field].queryset = queryset


@extend_schema_field(OpenApiTypes.OBJECT)
class JSONObjectField(serializers.DictField):
    """A JSON object; in a multipart form (a bid with its documents), the JSON
    text of one."""

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and self.field_name in dictionary:
            return dictionary.get(self.field_name)
        return super().get_value(dictionary)

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data or "{}")
            except ValueError:
                self.fail("not_a_dict", input_type="text")
        return super().to_internal_value(data)


@extend_schema_field(OpenApiTypes.STR)
class TenderReferenceField(serializers.RelatedField):
    """A tender named by its case reference (TND-2026-0001)."""

    default_error_messages = {
        "does_not_exist": _("There is no tender {value}."),
    }

    def to_internal_value(self, data):
        try:
            return self.get_queryset().get(case__reference=str(data).strip())
        except Tender.DoesNotExist:
            self.fail("does_not_exist", value=data)

    def to_representation(self, value):
        return value.case.reference


@extend_schema_field(OpenApiTypes.UUID)
class BidIdField(serializers.RelatedField):
    """A bid named by its public id. The integer pk is never read nor shown: it
    counts the bids. A malformed id answers like an id of no bid, and so does a
    bid the caller may not read (a sealed one)."""

    default_error_messages = {
        "does_not_exist": _("There is no bid {value}."),
    }

    def to_internal_value(self, data):
        try:
            public_id = uuid.UUID(str(data))
            return self.get_queryset().get(public_id=public_id)
        except (ValueError, Bid.DoesNotExist):
            self.fail("does_not_exist", value=data)

    def to_representation(self, value):
        return str(value.public_id)


def _capability_code(**kwargs):
    return LookupSlugField(
        slug_field="code", queryset=CapabilityCategory.objects.all(), **kwargs
    )
