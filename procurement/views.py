"""Public pages of procurement."""

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from procurement.models import Tender, TenderStatus
from procurement.ocds import release_package_for


@require_GET
def ocds_release_package(request, reference):
    """The OCDS release package of a published tender, open to everyone."""
    tender = get_object_or_404(
        Tender.objects.select_related("case"), case__reference=reference
    )
    if tender.status == TenderStatus.DRAFT:
        raise Http404
    package = release_package_for(tender, uri=request.build_absolute_uri())
    return JsonResponse(package, json_dumps_params={"ensure_ascii": False})
