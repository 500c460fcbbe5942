"""Checks every uploaded document passes before it is stored.

The declared name and type are not trusted: the content decides what the file is,
and only the document types the secretariat works with are accepted.
"""

import hashlib
from pathlib import PurePosixPath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

# Extension -> content type recognised from the file's own bytes.
ALLOWED_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".txt": "text/plain",
    ".csv": "text/csv",
}
TEXT_TYPES = {".txt", ".csv"}
_FORBIDDEN_NAME_CHARS = set('/\\:*?"<>|') | {chr(c) for c in range(32)}


def allowed_extensions_display():
    return ", ".join(sorted(ALLOWED_TYPES))


def clean_file_name(name: str) -> str:
    """Refuse names that carry a path or characters no document name needs."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("The file has no name."), code="no_name")
    if any(ch in _FORBIDDEN_NAME_CHARS for ch in name) or name in {".", ".."}:
        raise ValidationError(
            _("The file name “%(name)s” contains a path or forbidden characters."),
            params={"name": name},
            code="bad_name",
        )
    if name.startswith("."):
        raise ValidationError(
            _("The file name “%(name)s” is hidden; rename the file."),
            params={"name": name},
            code="bad_name",
        )
    if len(name) > 200:
        raise ValidationError(_("The file name is longer than 200 characters."))
    return name


def inspect_upload(uploaded_file) -> dict:
    """Validate an uploaded file; return its checked name, type, size and digest.

    Raises ``ValidationError`` with a message that says what is wrong.
    """
    name = clean_file_name(getattr(uploaded_file, "name", ""))
    size = uploaded_file.size
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > settings.MAX_UPLOAD_SIZE:
        raise ValidationError(
            _("The file is %(size)s; the largest accepted is %(max)s."),
            params={
                "size": filesizeformat(size),
                "max": filesizeformat(settings.MAX_UPLOAD_SIZE),
            },
            code="too_large",
        )
    extension = PurePosixPath(name).suffix.lower()
    expected = ALLOWED_TYPES.get(extension)
    if expected is None:
        raise ValidationError(
            _("Files of type “%(ext)s” are not accepted. Accepted types: %(allowed)s."),
            params={"ext": extension or name, "allowed": allowed_extensions_display()},
            code="type_not_allowed",
        )

    digest = hashlib.sha256()
    head = b""
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        if len(head) < 8192:
            head += chunk[: 8192 - len(head)]
        digest.update(chunk)
    uploaded_file.seek(0)

    if extension in TEXT_TYPES:
        if b"\x00" in head or _undecodable(head):
            raise ValidationError(
                _("“%(name)s” is not a plain text file."),
                params={"name": name},
                code="content_mismatch",
            )
    else:
        guessed = filetype.guess_mime(head)
        if guessed != expected:
            raise ValidationError(
                _(
                    "“%(name)s” does not contain what its name says: expected a "
                    "%(ext)s document."
                ),
                params={"name": name, "ext": extension},
                code="content_mismatch",
            )
    return {
        "name": name,
        "content_type": expected,
        "size": size,
        "sha256": digest.hexdigest(),
    }


def _undecodable(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is not an error.
        return exc.start < len(head) - 4
    return False
