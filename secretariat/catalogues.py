"""The product's translation catalogues: compiled from their .po files in pure
Python (Babel, already a dependency), so that no machine needs GNU gettext to
run the product; only refreshing a catalogue after changing strings
(``make messages``) needs it.

``make run`` and ``make test`` compile whatever .po is newer than its .mo
(``manage.py compile_catalogues``); a production build runs the command beside
``collectstatic``. A system check warns when a catalogue is not compiled."""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings


def catalogues() -> list[Path]:
    """Every .po of the project (``LOCALE_PATHS``)."""
    found = []
    for folder in settings.LOCALE_PATHS:
        found += sorted(Path(folder).glob("*/LC_MESSAGES/*.po"))
    return found


def read_catalogue(po: Path):
    with po.open("rb") as source:
        return read_po(source, abort_invalid=True)


def is_translated(message) -> bool:
    """Translated, every plural form included, and not marked fuzzy."""
    forms = (
        message.string if isinstance(message.string, tuple | list) else [message.string]
    )
    return not message.fuzzy and bool(forms) and all(forms)


def compile_catalogue(po: Path) -> Path:
    """Writes the .mo beside ``po``: only translated entries, so that a missing
    one falls back to English instead of showing nothing."""
    catalog = read_catalogue(po)
    for message in list(catalog):
        if message.id and not is_translated(message):
            catalog.delete(message.id, context=message.context)
    mo = po.with_suffix(".mo")
    # Written aside and moved into place: a running server never reads half.
    partial = mo.with_suffix(".tmp")
    with partial.open("wb") as target:
        write_mo(target, catalog)
    partial.replace(mo)
    return mo


def stale_catalogues() -> list[Path]:
    """The .po files whose .mo is missing or older."""
    return [
        po
        for po in catalogues()
        if not po.with_suffix(".mo").exists()
        or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]


# What makemessages leaves out: the tests, the benchmark and tools, the deploy
# files, vendored schemas and scripts, and what the product writes (uploads,
# sent mail, collected static files). Folders starting with a dot (.venv) are
# left out by Django itself.
IGNORED = [
    "tests",
    "bench",
    "tools",
    "docs",
    "deploy",
    "vendor",
    "node_modules",
    "staticfiles",
    "media",
    "sent-mail",
    "test-artifacts",
    "locale",
]


def languages_to_translate() -> list[str]:
    """Every language of ``settings.LANGUAGES`` but English, the source."""
    return [code for code, _name in settings.LANGUAGES if code != "en"]


def extract(*, verbosity: int = 0, follow_symlinks: bool = False) -> None:
    """Refresh every catalogue from the code and templates (``makemessages``,
    which needs GNU gettext) under the current folder, in
    ``settings.LOCALE_PATHS[0]``: new strings are added untranslated, changed
    ones marked fuzzy, removed ones dropped. Run from the project's folder (or
    from a folder of links to its parts, with ``follow_symlinks``)."""
    from django.core.management import call_command

    call_command(
        "makemessages",
        locale=languages_to_translate(),
        ignore_patterns=IGNORED,
        add_location="file",
        no_obsolete=True,
        symlinks=follow_symlinks,
        verbosity=verbosity,
    )


def untranslated(po: Path) -> list[str]:
    """The entries of ``po`` a reader would see in English: untranslated (in
    any plural form) or marked fuzzy (changed since it was translated)."""
    return [
        message.id if isinstance(message.id, str) else message.id[0]
        for message in read_catalogue(po)
        if message.id and not is_translated(message)
    ]
