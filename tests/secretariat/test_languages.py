"""The product in Ukrainian: every string people read is in the Ukrainian
catalogue, each person reads pages, messages, emails and reports in the language
they chose under Settings (English by default), and dates and numbers follow it."""

import datetime as dt
import gettext
import re
import shutil

import pytest
from django import forms
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation

from secretariat.accounts.models import User
from secretariat.catalogues import (
    IGNORED,
    catalogues,
    compile_catalogue,
    extract,
    read_catalogue,
    stale_catalogues,
    untranslated,
)
from secretariat.fund.services import disbursements as dsb
from secretariat.kernel.forms import DateInput
from secretariat.notifications.models import Notification
from tests.factories import UserFactory
from tests.procurement.helpers import draft_tender
from tests.secretariat.report_fixtures import build, pdf_text

UKRAINIAN = settings.BASE_DIR / "locale" / "uk" / "LC_MESSAGES" / "django.po"
NBSP = "\xa0"
# A day of a month as Ukrainian writes it: the month in the genitive.
UKRAINIAN_DAY = re.compile(
    r"\d{1,2} (січня|лютого|березня|квітня|травня|червня|липня|серпня|вересня"
    r"|жовтня|листопада|грудня) \d{4}"
)


@pytest.fixture(scope="module", autouse=True)
def _compiled():
    """The pages below read the compiled catalogue (``make test`` compiles it;
    a bare pytest after changing the .po would otherwise read the old one)."""
    for po in stale_catalogues():
        compile_catalogue(po)


def page(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def speaking(user, language):
    user.language = language
    user.save(update_fields=["language"])
    return user


# ------------------------------------------------------------- the catalogue


@pytest.mark.skipif(
    not (shutil.which("xgettext") and shutil.which("msgmerge")),
    reason="Reading every string out of the code needs GNU gettext "
    "(apt-get install gettext); .ci/run installs it.",
)
def test_every_string_people_read_is_translated_into_ukrainian(
    settings, tmp_path, monkeypatch
):
    """The code and templates as they are now, extracted as ``make messages``
    does into a copy of the catalogue: a new or changed string without its
    Ukrainian fails here, by name.

    makemessages writes to the locale folder beside the files it reads, so it
    reads them here through links, beside the copy: the real catalogue is
    never touched."""
    for part in settings.BASE_DIR.iterdir():
        if not part.name.startswith(".") and part.name not in {*IGNORED, "locale"}:
            (tmp_path / part.name).symlink_to(part)
    for po in catalogues():
        copy = tmp_path / "locale" / po.relative_to(po.parents[2])
        copy.parent.mkdir(parents=True)
        shutil.copy(po, copy)
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)
    before = UKRAINIAN.stat().st_mtime_ns
    extract(follow_symlinks=True)
    assert UKRAINIAN.stat().st_mtime_ns == before
    refreshed = tmp_path / "locale" / "uk" / "LC_MESSAGES" / "django.po"
    # The strings were read (a walk that found no file would find none missing).
    assert "My work" in {message.id for message in read_catalogue(refreshed)}
    missing = untranslated(refreshed)
    assert not missing, (
        f"{len(missing)} strings have no Ukrainian translation (or changed since "
        "it was written). Run `make messages`, translate them in "
        "locale/uk/LC_MESSAGES/django.po (and remove any '#, fuzzy' mark):\n"
        + "\n".join(f"  {msgid!r}" for msgid in missing)
    )


# %(name)s, %s, %d, {name} (DRF's messages); %% is a literal percent sign.
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdifgrxX]|\{\w*\}")


TAG = re.compile(r"</?\w+")


def placeholders(text: str) -> list[str]:
    """The placeholders and HTML tags a translation must keep."""
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")) + TAG.findall(text))


def test_each_translation_keeps_the_placeholders_of_its_english():
    """A Ukrainian string that drops, renames or adds a placeholder would
    raise, or lose a reference or an amount, where it is shown; one that drops
    a tag would lose a link."""
    wrong = []
    for message in read_catalogue(UKRAINIAN):
        if not message.id or not message.string:
            continue
        if isinstance(message.id, tuple):
            expected = placeholders(message.id[1])
            forms = message.string
        else:
            expected = placeholders(message.id)
            forms = [message.string]
        wrong += [
            (message.id, form) for form in forms if placeholders(form) != expected
        ]
    assert not wrong, "\n".join(f"{msgid!r}: {form!r}" for msgid, form in wrong)


def test_the_catalogue_has_ukrainians_three_plural_forms(tmp_path):
    catalog = read_catalogue(UKRAINIAN)
    assert catalog.num_plurals == 3
    po = tmp_path / "django.po"
    shutil.copy(UKRAINIAN, po)
    with compile_catalogue(po).open("rb") as compiled:
        ukrainian = gettext.GNUTranslations(compiled)

    def tenders(n):
        return ukrainian.ngettext("%(count)s tender", "%(count)s tenders", n) % {
            "count": n
        }

    assert [tenders(n) for n in (1, 3, 5, 11, 21, 22)] == [
        "1 тендер",
        "3 тендери",
        "5 тендерів",
        "11 тендерів",
        "21 тендер",
        "22 тендери",
    ]


def test_an_untranslated_entry_falls_back_to_english(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        UKRAINIAN.read_text(encoding="utf-8")
        + '\nmsgid "A string nobody translated"\nmsgstr ""\n'
        + '\n#, fuzzy\nmsgid "A string that changed"\nmsgstr "Застаріле"\n',
        encoding="utf-8",
    )
    with compile_catalogue(po).open("rb") as compiled:
        ukrainian = gettext.GNUTranslations(compiled)
    assert ukrainian.gettext("My work") == "Моя робота"
    assert ukrainian.gettext("A string nobody translated") == (
        "A string nobody translated"
    )
    assert ukrainian.gettext("A string that changed") == "A string that changed"
    assert untranslated(po) == ["A string nobody translated", "A string that changed"]


# ------------------------------------------------------------------- pages


def test_english_is_the_default(client_for, people):
    assert User.objects.get(pk=people.officer.pk).language == "en"
    html = page(client_for(people.officer).get(reverse("my_work")))
    assert '<html lang="en"' in html and "My work" in html
    assert "Моя робота" not in html


def test_a_person_who_chose_ukrainian_reads_my_work_in_ukrainian(client_for, people):
    speaking(people.officer, "uk")
    html = page(client_for(people.officer).get(reverse("my_work")))
    assert '<html lang="uk"' in html
    assert "Моя робота" in html and "Налаштування" in html
    assert "My work" not in html and "Sign out" not in html


def test_a_tender_page_in_ukrainian_writes_dates_and_numbers_in_ukrainian(
    client_for, people
):
    tender = draft_tender(people)
    client = client_for(people.procurement)
    english = page(client.get(tender.get_absolute_url()))
    assert "Lots" in english and "1 Dec 2026" in english
    assert "EUR 2,000.00" in english

    speaking(people.procurement, "uk")
    html = page(client.get(tender.get_absolute_url()))
    assert "Лоти" in html and "Чернетка" in html
    assert ">Lots<" not in html and "Draft" not in html
    assert "1 грудня 2026" in html and UKRAINIAN_DAY.search(html)
    assert "Dec 2026" not in html
    assert f"EUR 2{NBSP}000,00" in html
    # The reference data the product creates: capabilities and pools.
    assert "Розвідка / ISR" in html and "Без обмежень" in html
    assert "Reconnaissance / ISR" not in html and "Unrestricted" not in html


def test_money_follows_the_language(client_for, people, draft):
    draft("1250000.00")
    client = client_for(people.finance)
    assert "1,250,000.00" in page(client.get(reverse("disbursement_list")))
    speaking(people.finance, "uk")
    html = page(client.get(reverse("disbursement_list")))
    assert f"1{NBSP}250{NBSP}000,00" in html and "1,250,000.00" not in html
    assert "Запити на виплату" in html


def test_the_choice_wins_over_the_browser(client_for, people):
    """Signed in, the person's own choice counts; signed out, the browser's."""
    client = client_for(people.officer)
    html = page(client.get(reverse("my_work"), HTTP_ACCEPT_LANGUAGE="uk"))
    assert "My work" in html and "Моя робота" not in html

    client.logout()
    html = page(client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="uk"))
    assert '<html lang="uk"' in html and "Увійти" in html
    html = page(client.get(reverse("login")))
    assert '<html lang="en"' in html and "Sign in" in html


def test_date_fields_keep_the_form_browsers_read_in_ukrainian():
    """A date input shows its value as 2026-12-01 in every language (browsers
    read no other), and a date typed the Ukrainian way is still understood."""
    field = forms.DateField(widget=DateInput)
    with translation.override("uk"):
        assert 'value="2026-12-01"' in field.widget.render("due", dt.date(2026, 12, 1))
        assert field.clean("01.12.2026") == dt.date(2026, 12, 1)
        assert field.clean("2026-12-01") == dt.date(2026, 12, 1)


# ---------------------------------------------------------------- settings


def test_choosing_ukrainian_on_the_settings_page_keeps_it(client_for, people):
    client = client_for(people.liaison_lv)
    html = page(client.get(reverse("account_settings")))
    assert 'name="language"' in html and "Українська" in html

    response = client.post(
        reverse("account_settings"),
        {"language": "uk", "time_zone": "Europe/Riga"},
        follow=True,
    )
    html = page(response)
    # The confirmation and the page after it are already in Ukrainian.
    assert "Ваші налаштування збережено." in html and '<html lang="uk"' in html
    assert User.objects.get(pk=people.liaison_lv.pk).language == "uk"
    # The sign-in page after signing out remembers it.
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "uk"
    client.post(reverse("logout"))
    assert not client.session.get("_auth_user_id")
    assert "Увійти" in page(client.get(reverse("login")))


def test_a_language_not_offered_is_refused_and_the_choice_kept(client_for, people):
    response = client_for(people.liaison_lv).post(
        reverse("account_settings"), {"language": "xx", "time_zone": "Europe/Riga"}
    )
    assert response.context["form"].errors["language"]
    assert "Your settings were not saved" in page(response)
    assert User.objects.get(pk=people.liaison_lv.pk).language == "en"


# ------------------------------------------- notifications, emails, reports


def test_each_recipient_is_told_in_their_own_language(
    people, draft, django_capture_on_commit_callbacks
):
    """One change tells two finance officers: the one who chose Ukrainian
    reads the notification and its email in Ukrainian, the other in English."""
    olena = UserFactory(
        username="olena", roles=["finance_officer"], first_name="Olena",
        language="uk",
    )  # fmt: skip
    james = UserFactory(username="james", roles=["finance_officer"])
    request = draft("1250000.00")
    ref = request.case.reference
    with django_capture_on_commit_callbacks(execute=True):
        dsb.disbursement_submit(request=request, actor=people.finance)

    told = {
        n.recipient_id: n
        for n in Notification.objects.filter(recipient__in=[olena, james])
    }
    assert told[olena.pk].title == f"{ref} очікує перевірки"
    assert told[olena.pk].body == f"EUR 1{NBSP}250{NBSP}000,00 для SIA Drone Works"
    assert told[james.pk].title == f"{ref} awaits a check"
    assert told[james.pk].body == "EUR 1,250,000.00 to SIA Drone Works"

    emails = {message.to[0]: message for message in mail.outbox}
    ukrainian, english = emails[olena.email], emails[james.email]
    assert ukrainian.subject == f"{ref} очікує перевірки"
    assert "Добрий день, Olena" in ukrainian.body
    assert "Секретаріат Коаліції дронів" in ukrainian.body
    assert "Dear" not in ukrainian.body and "awaits" not in ukrainian.body
    html = ukrainian.alternatives[0][0]
    assert '<html lang="uk"' in html and "налаштувань сповіщень" in html
    assert english.subject == f"{ref} awaits a check"
    assert "Dear " in english.body and "The Drone Coalition secretariat" in english.body


def test_a_report_is_built_in_its_readers_language(people):
    english = pdf_text(build(people.finance, "fund_statement", "pdf"))
    assert "Fund statement" in english and "Виписка фонду" not in english

    speaking(people.finance, "uk")
    ukrainian = pdf_text(build(people.finance, "fund_statement", "pdf"))
    assert "Виписка фонду" in ukrainian and "Секретаріат Коаліції дронів" in ukrainian
    assert "Fund statement" not in ukrainian
    report_ready = Notification.objects.filter(recipient=people.finance).latest("pk")
    assert report_ready.title.startswith("Ваш звіт готовий")
