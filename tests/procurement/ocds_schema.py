"""The OCDS 1.1.5 schemas vendored in the repository (``vendor/ocds-1.1.5``), so
that a clone of the project alone can validate its open data."""

import json
from functools import cache
from pathlib import Path

from django.conf import settings
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

OCDS_SCHEMAS = Path(settings.BASE_DIR) / "vendor" / "ocds-1.1.5"
RELEASE_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"


@cache
def ocds_validator() -> Draft4Validator:
    """A validator of release packages; the package's releases refer to the
    release schema by its published URL, mapped here to the vendored file."""
    package = json.loads((OCDS_SCHEMAS / "release-package-schema.json").read_text())
    release = json.loads((OCDS_SCHEMAS / "release-schema.json").read_text())
    registry = Registry().with_resource(
        RELEASE_URL, Resource.from_contents(release, default_specification=DRAFT4)
    )
    return Draft4Validator(
        package, registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER
    )
