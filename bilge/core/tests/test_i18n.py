"""The interface in Turkish (the default) and in English.

* the catalogues (bilge/locale/<lang>/LC_MESSAGES/*.po) are complete: nothing untranslated or
  fuzzy, the same placeholders as the msgid;
* the committed .mo files are those catalogues compiled (scripts/po_tools.py compile);
* a Turkish page shows no English interface words, an English page shows them;
* Turkish dates and numbers: dd.mm.yyyy, decimal comma, dot for thousands.

After changing interface strings: makemessages, ``scripts/po_tools.py fill-en``, translate the
new Turkish entries, ``scripts/po_tools.py check`` and ``compile`` (see the script's docstring)."""

import contextlib
import datetime
import gettext
import importlib.util
import re
import shutil
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.template import Context, Template
from django.utils import translation

from bilge.testing import require

ROOT = Path(settings.BASE_DIR).parent
LOCALE_DIR = Path(settings.BASE_DIR) / "locale"


def _load_po_tools():
    spec = importlib.util.spec_from_file_location("po_tools", ROOT / "scripts" / "po_tools.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


po_tools = _load_po_tools()
CATALOGUES = po_tools.catalogues(LOCALE_DIR)


def _id(path: Path) -> str:
    return f"{po_tools.language_of(path)}/{path.stem}"


# --- (a) the catalogues are complete ------------------------------------------------------------

def test_turkish_and_english_catalogues_exist():
    assert {(po_tools.language_of(p), p.name) for p in CATALOGUES} >= {("tr", "django.po"), ("en", "django.po")}
    # Every language the interface offers has a catalogue, and nothing else has one.
    assert {po_tools.language_of(p) for p in CATALOGUES} == {code for code, _name in settings.LANGUAGES}


@pytest.mark.parametrize("path", CATALOGUES, ids=_id)
def test_catalogue_has_no_untranslated_fuzzy_or_placeholder_mismatched_entries(path):
    assert po_tools.problems(path) == []


def test_turkish_plural_forms_are_djangos():
    """Bilge's plural rule is that of Django's own Turkish catalogue, so that Bilge's messages and
    Django's choose their forms alike for the same number."""
    import django

    django_po = Path(django.__file__).parent / "conf" / "locale" / "tr" / "LC_MESSAGES" / "django.po"
    ours = polib.pofile(str(LOCALE_DIR / "tr" / "LC_MESSAGES" / "django.po"))
    assert ours.metadata["Plural-Forms"] == polib.pofile(str(django_po)).metadata["Plural-Forms"]
    assert ours.metadata["Language"] == "tr"


def _keys(po) -> set:
    return {(e.msgctxt or None, e.msgid, e.msgid_plural or None) for e in po if not e.obsolete and e.msgid}


def test_catalogue_holds_every_string_of_the_code(tmp_path, settings):
    """makemessages on a copy of the code: the committed catalogue has exactly its strings, so a
    string added in code or templates without a translation fails here, not in front of users."""
    require(bool(shutil.which("xgettext") and shutil.which("msgmerge")), "GNU gettext (xgettext, msgmerge)")
    source = tmp_path / "bilge"
    shutil.copytree(settings.BASE_DIR, source,
                    ignore=shutil.ignore_patterns("locale", "__pycache__", "static"))
    (source / "locale").mkdir()
    settings.LOCALE_PATHS = [source / "locale"]  # never the real catalogue
    with contextlib.chdir(source):
        call_command("makemessages", locale=["tr"], no_obsolete=True, no_location=True, verbosity=0)
    extracted = _keys(polib.pofile(str(source / "locale" / "tr" / "LC_MESSAGES" / "django.po")))
    committed = _keys(polib.pofile(str(LOCALE_DIR / "tr" / "LC_MESSAGES" / "django.po")))
    assert len(extracted) > 100, "makemessages found (almost) nothing: is it looking at the copy?"
    hint = "run makemessages and scripts/po_tools.py fill-en, translate, compile (see scripts/po_tools.py)"
    assert sorted(extracted - committed, key=str) == [], f"strings missing from the catalogues: {hint}"
    assert sorted(committed - extracted, key=str) == [], f"strings no longer in the code: {hint}"
    english = _keys(polib.pofile(str(LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po")))
    assert english == committed, f"the English and Turkish catalogues hold different strings: {hint}"


# Lower-case msgids are labels, shown through |capfirst (Python's upper(): "i" → "I", not "İ").
# A Turkish label must therefore not begin with "i"; these are choice values, never capitalised.
NOT_CAPITALISED = {"worker (işçi)", "provincial special administration", "two-factor sign-in"}


def test_turkish_labels_survive_capfirst():
    po = polib.pofile(str(LOCALE_DIR / "tr" / "LC_MESSAGES" / "django.po"))
    bad = [(e.msgid, e.msgstr) for e in po
           if e.msgid[:1].islower() and e.msgstr.startswith("i") and e.msgid not in NOT_CAPITALISED]
    assert bad == [], "capfirst would write these with a dotless capital I"


def test_po_tools_finds_the_problems_and_fills_english(tmp_path):
    """The checker itself: it must see what it is there to see."""
    header = 'msgid ""\nmsgstr ""\n"Language: {lang}\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n' \
             '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n\n'
    body = (
        'msgid "Save"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Edit"\nmsgstr "Düzenle"\n\n'
        '#, python-format\nmsgid "Welcome, %(name)s"\nmsgstr "Hoş geldiniz, %(ad)s"\n\n'
        '#, python-format\nmsgid "Page %(number)s of %(num_pages)s"\nmsgstr "Sayfa %(number)s"\n\n'
        '#, python-format\nmsgid "%(counter)s record"\nmsgid_plural "%(counter)s records"\n'
        'msgstr[0] "%(counter)s kayıt"\nmsgstr[1] ""\n\n'
        'msgid "Hello {name}"\nmsgstr "Merhaba {ad}"\n\n'
        'msgid "100 % sure"\nmsgstr "yüzde yüz"\n\n'
        '#, python-format\nmsgid "%(counter)s person"\nmsgid_plural "%(counter)s people"\n'
        'msgstr[0] "%(counter)s kişi"\nmsgstr[1] "%(counter)s kişi"\n'
    )
    english = (  # empty and fuzzy entries for fill-en, one English wording change it must keep
        'msgid "Save"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Edit"\nmsgstr "Düzenle"\n\n'
        'msgid "Sign in"\nmsgstr "Log in"\n\n'
        '#, python-format\nmsgid "%(counter)s person"\nmsgid_plural "%(counter)s people"\n'
        'msgstr[0] ""\nmsgstr[1] ""\n'
    )
    for lang, text in (("tr", body), ("en", english)):
        (tmp_path / lang / "LC_MESSAGES").mkdir(parents=True)
        (tmp_path / lang / "LC_MESSAGES" / "django.po").write_text(header.format(lang=lang) + text, encoding="utf-8")
    found = "\n".join(po_tools.problems(tmp_path / "tr" / "LC_MESSAGES" / "django.po"))
    assert "untranslated: 'Save'" in found
    assert "fuzzy: 'Edit'" in found
    assert "placeholders: 'Welcome, %(name)s'" in found
    assert "placeholders: 'Page %(number)s of %(num_pages)s'" in found
    assert "untranslated: '%(counter)s record'" in found
    assert "placeholders: 'Hello {name}'" in found
    assert "100 % sure" not in found and "%(counter)s person" not in found
    assert po_tools.check_all(tmp_path) == 1

    po_tools.fill_english(tmp_path)
    en = tmp_path / "en" / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(en))
    assert po.find("Save").msgstr == "Save"
    assert "fuzzy" not in po.find("Edit").flags and po.find("Edit").msgstr == "Edit"
    assert po.find("Sign in").msgstr == "Log in"
    assert po.find("%(counter)s person").msgstr_plural == {0: "%(counter)s person", 1: "%(counter)s people"}
    assert po_tools.problems(en) == []

    po_tools.compile_all(tmp_path, quiet=True)
    assert po_tools.mo_problem(en) is None
    with (en.with_suffix(".mo")).open("rb") as f:
        assert gettext.GNUTranslations(f).ngettext("%(counter)s person", "%(counter)s people", 2) == "%(counter)s people"
    en.write_text(en.read_text(encoding="utf-8").replace('msgstr "Save"', 'msgstr "Store"'), encoding="utf-8")
    assert "does not match" in po_tools.mo_problem(en)


# --- (b) the committed .mo files are the catalogues compiled -------------------------------------

@pytest.mark.parametrize("path", CATALOGUES, ids=_id)
def test_committed_mo_is_the_compiled_catalogue(path):
    assert po_tools.mo_problem(path) is None
    # Read back by the standard library's reader too (Django's own loader), not only by polib.
    po = polib.pofile(str(path))
    with path.with_suffix(".mo").open("rb") as f:
        catalogue = gettext.GNUTranslations(f)
    assert catalogue.info().get("plural-forms") == po.metadata["Plural-Forms"]
    for entry in po.translated_entries():
        if entry.msgctxt:
            if entry.msgid_plural:
                got = [catalogue.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n) for n in (1, 5)]
            else:
                got = catalogue.pgettext(entry.msgctxt, entry.msgid)
        elif entry.msgid_plural:
            got = [catalogue.ngettext(entry.msgid, entry.msgid_plural, n) for n in (1, 5)]
        else:
            got = catalogue.gettext(entry.msgid)
        if entry.msgid_plural:
            # tr: plural=(n > 1), en: plural=(n != 1): 1 takes the first form, 5 the last.
            forms = [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
            assert got == [forms[0], forms[-1]], entry.msgid
        else:
            assert got == entry.msgstr, entry.msgid


# --- (c), (d) the pages in Turkish and in English --------------------------------------------------

class _VisibleText(HTMLParser):
    """Text a user sees or hears: text nodes outside <script>/<style>, and the attributes that
    browsers show or read out."""

    SHOWN_ATTRIBUTES = {"placeholder", "aria-label", "alt", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        self.parts += [value for name, value in attrs if name in self.SHOWN_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(" ".join(data.split()))


def visible_text(response) -> str:
    parser = _VisibleText()
    parser.feed(response.content.decode())
    return "\n".join(parser.parts)


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]*)"', response.content.decode()).group(1)


def has_phrase(text: str, phrase: str) -> bool:
    """``phrase`` as a whole word or phrase ("Edit" is not in "Edited", nor "user" in "auth.user")."""
    return re.search(rf"(?<![\w.-]){re.escape(phrase)}(?![\w-])", text) is not None


# English word → its Turkish form, and the pages that show it.
PAGE_WORDS = {
    "home": {"Home": "Ana sayfa", "People": "Personel", "Units": "Birimler", "Sign out": "Çıkış yap",
             "Duties in the catalog": "Katalogdaki görevler"},
    "people": {"People": "Personel", "Search": "Ara", "Filter": "Filtrele", "Columns": "Sütunlar", "Add": "Ekle",
               "Registration no": "Sicil no", "Start date": "Başlangıç tarihi"},
    "person": {"Edit": "Düzenle", "History": "Geçmiş", "Details": "Ayrıntılar", "Archive": "Arşivle",
               "Registration no": "Sicil no", "TC identity no": "TC kimlik no", "Show (recorded)": "Göster (kayda geçer)"},
    "edit": {"Save": "Kaydet", "Cancel": "Vazgeç", "Edit person": "Düzenle: personel", "First name": "Ad",
             "Last name": "Soyad", "dd.mm.yyyy": "gg.aa.yyyy"},
    "history": {"History": "Geçmiş", "Time": "Zaman", "Field": "Alan", "Before": "Eski değer", "After": "Yeni değer",
                "changed": "değiştirildi"},
    "unit": {"Sub-units": "Alt birimler", "Duties from the regulation": "Mevzuattaki görevler", "1 person": "1 kişi"},
    "units": {"Units": "Birimler", "Parent unit": "Üst birim", "5 records": "5 kayıt"},
    "login": {"Sign in to Bilge": "Bilge'ye giriş yap", "Password": "Parola", "User name or e-mail": "Kullanıcı adı veya e-posta"},
}
# Words no Turkish page may show, wherever they would come from (besides every translated msgid).
NEVER_IN_TURKISH = ["Search", "Filter", "Columns", "Export", "History", "Edit", "Save", "People", "Units", "Cancel",
                    "Sign in", "Sign out", "Details", "Archive", "Add", "Welcome", "records", "Select an option", "None"]
# The language switch names each language in that language: "English" on a Turkish page is right.
SAME_IN_EVERY_LANGUAGE = {"English"}


def _class_level_filters() -> list:
    """Every filter of the FilterSets (the class-level ``base_filters``). Each request works on
    deep copies of them, so a form field cached on one of these is shared by every later request:
    drf-spectacular caches one when it writes the API schema (``filter.field``, before the
    filter knows its model, so without a label), after which the HTML filter form shows the
    field name's English ("Employment type") in every language. See
    test_filter_labels_survive_the_api_schema."""
    import django_filters

    from bilge.core import filters

    return [f for obj in vars(filters).values()
            if isinstance(obj, type) and issubclass(obj, django_filters.FilterSet)
            for f in obj.base_filters.values()]


def _forget_cached_filter_fields():
    for f in _class_level_filters():
        f.__dict__.pop("_field", None)


@pytest.fixture
def pages(client, org, admin_user):
    """{name: url} of the main pages, seen by an administrator (who may see and do everything)."""
    person = org["people"]["cagri"]
    person.start_date = datetime.date(2024, 3, 1)
    person.tc_kimlik = "10000000146"
    person.save()  # also gives the History tab a change to show
    _forget_cached_filter_fields()  # what an earlier test's API schema left there (see above)
    client.force_login(admin_user)
    urls = {
        "home": "/",
        "people": "/org/people/?columns=name&columns=registration_no&columns=start_date",
        "person": f"/org/people/{person.pk}/",
        "edit": f"/org/people/{person.pk}/edit/",
        "history": f"/org/people/{person.pk}/history/",
        "unit": f"/org/units/{org['fen'].pk}/",
        "units": "/org/units/",
    }
    return urls


def _get(client, url, lang=None, **headers):
    if lang:
        headers["HTTP_ACCEPT_LANGUAGE"] = lang
    response = client.get(url, **headers)
    assert response.status_code == 200, url
    return response


def _translated_msgids():
    """Source strings whose Turkish differs from the English: none may show on a Turkish page."""
    po = polib.pofile(str(LOCALE_DIR / "tr" / "LC_MESSAGES" / "django.po"))
    found = []
    for entry in po.translated_entries():
        for source, target in ([(entry.msgid, entry.msgstr_plural[0]), (entry.msgid_plural, entry.msgstr_plural[1])]
                               if entry.msgid_plural else [(entry.msgid, entry.msgstr)]):
            if source == target or source in SAME_IN_EVERY_LANGUAGE or "%" in source or len(source) < 3:
                continue
            found.append(source)
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("page", [p for p in PAGE_WORDS if p != "login"])
def test_turkish_page_has_no_english_interface_words(client, pages, page):
    response = _get(client, pages[page], "tr")
    assert html_lang(response) == "tr"
    text = visible_text(response)
    for english, turkish in PAGE_WORDS[page].items():
        assert has_phrase(text, turkish), f"{turkish!r} missing on the Turkish {page} page"
        assert not has_phrase(text, english), f"{english!r} on the Turkish {page} page"
    leaks = [w for w in NEVER_IN_TURKISH + _translated_msgids() if has_phrase(text, w)]
    assert leaks == [], f"English on the Turkish {page} page"


@pytest.mark.django_db
def test_turkish_is_the_default_language(client, pages):
    """No Accept-Language, no cookie: the installation's language, Turkish."""
    assert settings.LANGUAGE_CODE == "tr"
    response = client.get(pages["people"])
    assert html_lang(response) == "tr" and has_phrase(visible_text(response), "Filtrele")


@pytest.mark.django_db
def test_login_page_in_turkish_and_english(client, org):
    for lang in ("tr", "en"):
        response = _get(client, "/login/", lang)
        text = visible_text(response)
        assert html_lang(response) == lang
        for english, turkish in PAGE_WORDS["login"].items():
            expected, unexpected = (turkish, english) if lang == "tr" else (english, turkish)
            assert has_phrase(text, expected) and not has_phrase(text, unexpected), (lang, expected)
    # A failed sign-in: Django's own message, in Turkish.
    response = client.post("/login/", {"username": "yok", "password": "yanlis"}, HTTP_ACCEPT_LANGUAGE="tr")
    assert "Lütfen doğru kullanıcı adı ve parola girin" in visible_text(response)


@pytest.mark.django_db
@pytest.mark.parametrize("page", [p for p in PAGE_WORDS if p != "login"])
def test_english_page_shows_the_english_words(client, pages, page):
    response = _get(client, pages[page], "en")
    assert html_lang(response) == "en"
    text = visible_text(response)
    for english, turkish in PAGE_WORDS[page].items():
        assert has_phrase(text, english), f"{english!r} missing on the English {page} page"
        if turkish not in {"Personel", "Ad", "Alan"}:  # data (a position, a unit) may say these in Turkish
            assert not has_phrase(text, turkish), f"{turkish!r} on the English {page} page"


@pytest.mark.django_db
def test_language_cookie_chooses_english_over_the_browser(client, pages):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = _get(client, pages["people"], "tr")  # the cookie (the user's choice) wins
    assert html_lang(response) == "en"
    text = visible_text(response)
    assert all(has_phrase(text, w) for w in ("Search", "Filter", "Columns", "People"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "tr"
    assert has_phrase(visible_text(_get(client, pages["people"], "en")), "Filtrele")


@pytest.mark.django_db
def test_messages_after_saving_are_translated(client, pages, org):
    person = org["people"]["cagri"]
    form = client.get(pages["edit"], HTTP_ACCEPT_LANGUAGE="tr").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(institution=org["institution"].pk, unit=person.unit_id, position=person.position_id,
                start_date="31.02.2024", tc_kimlik="")
    response = client.post(pages["edit"], data, HTTP_ACCEPT_LANGUAGE="tr")
    assert response.status_code == 400
    assert "Geçerli bir tarih girin." in visible_text(response)  # Django's own message, in Turkish
    data["start_date"] = "15.04.2024"
    response = client.post(pages["edit"], data, HTTP_ACCEPT_LANGUAGE="tr", follow=True)
    assert f"Kaydedildi: {person.full_name}" in visible_text(response)
    person.refresh_from_db()
    assert person.start_date == datetime.date(2024, 4, 15)


# --- (e) Turkish dates and numbers ---------------------------------------------------------------

@pytest.mark.django_db
def test_dates_in_lists_and_forms_are_dd_mm_yyyy(client, pages):
    text = visible_text(_get(client, pages["people"], "tr"))
    assert "01.03.2024" in text and "2024-03-01" not in text
    edit = _get(client, pages["edit"], "tr").content.decode()
    assert 'value="01.03.2024"' in edit


def test_turkish_formats():
    from django import forms
    from django.utils.formats import date_format, number_format

    from bilge.web.tables import Column

    day = datetime.date(2026, 3, 9)
    moment = datetime.datetime(2026, 3, 9, 14, 5)
    template = Template("{% load humanize %}{{ day }}|{{ day|date:'SHORT_DATE_FORMAT' }}|{{ moment }}|"
                        "{{ amount }}|{{ amount|floatformat:2 }}|{{ big|intcomma }}")
    context = {"day": day, "moment": moment, "amount": Decimal("1234.5"), "big": 1234567}
    with translation.override("tr"):
        assert template.render(Context(context)) == "09.03.2026|09.03.2026|09.03.2026 14:05|1234,5|1234,50|1.234.567"
        assert number_format(Decimal("1234567.891"), 2, force_grouping=True) == "1.234.567,89"
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == "09.03.2026 14:05"
        # What the list tables show.
        assert Column("x", "x", accessor=lambda o: 1234.5).render(None) == "1.234,5"
        assert Column("x", "x", accessor=lambda o: day).render(None) == "09.03.2026"
        assert forms.DateField().clean("09.03.2026") == day
        assert forms.DecimalField(localize=True).clean("1234,5") == Decimal("1234.5")
    with translation.override("en"):
        assert number_format(Decimal("1234567.891"), 2, force_grouping=True) == "1,234,567.89"
        assert Column("x", "x", accessor=lambda o: 1234.5).render(None) == "1,234.5"


# --- known gaps, outside the catalogues (see the translation report) ----------------------------

@pytest.mark.django_db
def test_unit_parent_label_is_turkish(client, pages):
    assert not has_phrase(visible_text(_get(client, pages["unit"], "tr")), "Parent")


@pytest.mark.django_db
def test_detail_page_dates_are_dd_mm_yyyy(client, pages):
    assert "01.03.2024" in visible_text(_get(client, pages["person"], "tr"))


@pytest.mark.django_db
def test_autocomplete_without_match_is_turkish(client, pages):
    response = _get(client, "/org/people/autocomplete/?q=zzzz", "tr")
    assert "No match" not in response.content.decode()


@pytest.mark.django_db
def test_breadcrumb_label_is_turkish(client, pages):
    assert not has_phrase(visible_text(_get(client, pages["person"], "tr")), "breadcrumb")


@pytest.mark.django_db
def test_filter_labels_survive_the_api_schema(client, pages):
    assert has_phrase(visible_text(_get(client, pages["people"], "tr")), "Personel türü")
    client.get("/api/schema/?format=yaml")
    text = visible_text(_get(client, pages["people"], "tr"))
    _forget_cached_filter_fields()
    assert not has_phrase(text, "Employment type")
