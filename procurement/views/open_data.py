"""The open data's publication policy: a public page, the address that the
OCDS packages give as their ``publicationPolicy``."""

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_GET

from procurement.ocds import EXTENSIONS


@require_GET
def open_data_policy(request):
    return render(
        request,
        "procurement/open_data_policy.html",
        {
            "license_url": settings.OCDS_LICENSE,
            "ocid_prefix": settings.OCDS_PREFIX,
            "organization_scheme": settings.OCDS_ORGANIZATION_SCHEME,
            "classification_scheme": settings.OCDS_ITEM_CLASSIFICATION_SCHEME,
            "extensions": EXTENSIONS,
        },
    )
