"""The OCDS 1.1.5 schemas vendored in the repository (``vendor/ocds-1.1.5``) and
the extensions the packages declare (``vendor/ocds-extensions``), so that a
clone of the project alone can validate its open data: with jsonschema against
the release schema patched with the extensions, and with the Open Contracting
Partnership's own review library, libcoveocds, offline."""

import io
import json
import tempfile
import zipfile
from functools import cache
from pathlib import Path

import json_merge_patch
import requests
from django.conf import settings
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from procurement.ocds import EXTENSIONS

OCDS_SCHEMAS = Path(settings.BASE_DIR) / "vendor" / "ocds-1.1.5"
OCDS_EXTENSIONS = Path(settings.BASE_DIR) / "vendor" / "ocds-extensions"
RELEASE_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"
# An extension's URL in the packages -> its vendored folder.
EXTENSION_FOLDERS = {
    url: OCDS_EXTENSIONS / f"{url.split('/')[-3]}-{url.split('/')[-2]}"
    for url in EXTENSIONS
}


@cache
def extended_release_schema() -> dict:
    """The release schema with each declared extension's release-schema.json
    applied as a JSON Merge Patch, in the order the package lists them."""
    schema = json.loads((OCDS_SCHEMAS / "release-schema.json").read_text())
    for folder in EXTENSION_FOLDERS.values():
        patch = json.loads((folder / "release-schema.json").read_text())
        schema = json_merge_patch.merge(schema, patch)
    return schema


@cache
def ocds_validator() -> Draft4Validator:
    """A validator of release packages; the package's releases refer to the
    release schema by its published URL, mapped here to the vendored file
    patched with the extensions."""
    package = json.loads((OCDS_SCHEMAS / "release-package-schema.json").read_text())
    registry = Registry().with_resource(
        RELEASE_URL,
        Resource.from_contents(extended_release_schema(), default_specification=DRAFT4),
    )
    return Draft4Validator(
        package, registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER
    )


# libcoveocds, offline --------------------------------------------------------


@cache
def _standard_zip() -> bytes:
    """The standard's repository as libcoveocds reads it (``standard_zip``): a
    ZIP whose first entry is the top folder and whose schema/ holds the schemas
    and codelists, built from the vendored files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("standard-1__1__5/", "")
        for path in sorted(OCDS_SCHEMAS.rglob("*")):
            if path.is_file() and path.suffix in {".json", ".csv"}:
                name = path.relative_to(OCDS_SCHEMAS).as_posix()
                archive.write(path, f"standard-1__1__5/schema/{name}")
    return buffer.getvalue()


class _VendoredExtension(requests.adapters.BaseAdapter):
    """Answers for an extension's files from its vendored folder: each file by
    its URL, and the whole as the ZIP archive of its tag that
    ocdsextensionregistry downloads for an extension on GitHub."""

    def __init__(self, folder: Path):
        super().__init__()
        self.folder = folder

    def _archive(self) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(f"{self.folder.name}/", "")
            for path in sorted(self.folder.rglob("*")):
                if path.is_file():
                    name = path.relative_to(self.folder).as_posix()
                    archive.write(path, f"{self.folder.name}/{name}")
        return buffer.getvalue()

    def send(self, request, **kwargs):
        name = request.url.split("/v1.1.5/", 1)[-1]
        if request.url.endswith(".zip"):
            content = self._archive()
        elif (self.folder / name).is_file():
            content = (self.folder / name).read_bytes()
        else:
            content = None
        response = requests.Response()
        response.status_code = 404 if content is None else 200
        response.reason = "Not Found" if content is None else "OK"
        response._content = content or b""
        response.url, response.request = request.url, request
        response.encoding = "utf-8"
        return response

    def close(self):
        pass


class _NoNetwork(requests.adapters.BaseAdapter):
    def send(self, request, **kwargs):
        raise requests.ConnectionError(f"offline: refused {request.url}")

    def close(self):
        pass


@cache
def _offline_extension_registry():
    """Route ocdsextensionregistry's HTTP session (which libcoveocds uses for
    extensions) to the vendored files; any other address is refused, so a
    check that would have needed the network fails instead of fetching."""
    from ocdsextensionregistry.util import session

    session.mount("https://", _NoNetwork())
    session.mount("http://", _NoNetwork())
    for url, folder in EXTENSION_FOLDERS.items():
        adapter = _VendoredExtension(folder)
        base = url.rsplit("/", 1)[0] + "/"  # .../ocds_bid_extension/v1.1.5/
        session.mount(base, adapter)
        # https://github.com/<owner>/<repo>/archive/<tag>.zip
        owner, repo, tag = base.split("/")[-4:-1]
        session.mount(f"https://github.com/{owner}/{repo}/archive/{tag}.zip", adapter)
    return session


def cove_ocds(package: dict) -> dict:
    """libcoveocds's review of a release package (its schema validation and
    additional checks, as its Data Review Tool runs them), offline."""
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig

    session = _offline_extension_registry()
    config = LibCoveOCDSConfig({"standard_zip": _standard_zip(), "context": "api"})
    with tempfile.TemporaryDirectory() as output_dir, session.cache_disabled():
        return ocds_json_output(
            output_dir, json_data=json.loads(json.dumps(package)),
            lib_cove_ocds_config=config, schema_version="1.1",
        )  # fmt: skip


def cove_problems(result: dict) -> dict:
    """What libcoveocds found wrong or doubtful: every list that must be empty
    for the data to pass its review without error or warning."""
    keys = (
        "validation_errors", "additional_checks", "additional_fields",
        "additional_closed_codelist_values", "deprecated_fields",
        "conformance_errors", "invalid_extension", "json_deref_error",
    )  # fmt: skip
    problems = {key: result.get(key) for key in keys if result.get(key)}
    extensions = result.get("extensions") or {}
    if extensions.get("invalid_extension"):
        problems["invalid_extension"] = extensions["invalid_extension"]
    return problems
