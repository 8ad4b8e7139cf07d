"""Bilge's translation catalogues (bilge/locale/<lang>/LC_MESSAGES/*.po) without gettext at run time.

    python scripts/po_tools.py compile    write the .mo next to every .po (polib; no msgfmt needed)
    python scripts/po_tools.py check      exit 1 listing untranslated, fuzzy or placeholder-mismatched
                                          entries, and .mo files that are missing or out of date
    python scripts/po_tools.py fill-en    English catalogues: msgstr = msgid (msgid_plural for the
                                          plural form) for every empty or fuzzy entry

The usual round after changing interface strings (``make messages`` runs the first and last step):

    cd bilge && ../.venv/bin/bilge makemessages -l tr -l en --no-obsolete --no-location
    python scripts/po_tools.py fill-en     # English needs no translator
    (translate the new entries of bilge/locale/tr/LC_MESSAGES/django.po, remove their fuzzy flags)
    python scripts/po_tools.py check
    python scripts/po_tools.py compile     # the .mo files are committed

The functions are also used by bilge/core/tests/test_i18n.py."""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "bilge" / "locale"
SOURCE_LANGUAGE = "en"  # the msgids are English

# %(name)s and friends, positional %s / %d, and str.format fields {name} / {0} / {}.
# "%%" is a literal percent sign and "{{" / "}}" literal braces: neither is a placeholder.
_PERCENT = re.compile(r"%(?:\((?P<name>[^)]+)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[diouxXeEfFgGcrsa%])")
_BRACE = re.compile(r"(?<!\{)\{(?P<field>[A-Za-z_][A-Za-z0-9_]*|\d*)(?:![rsa])?(?::[^{}]*)?\}(?!\})")


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def catalogues(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Every .po file under the locale directory, in a stable order."""
    return sorted(locale_dir.glob("*/LC_MESSAGES/*.po"))


def language_of(po_path: Path) -> str:
    return po_path.parent.parent.name


def _placeholders(text: str, positional_too: bool = True) -> tuple[frozenset[str], int, frozenset[str]]:
    """(named %(x)s placeholders, count of positional %s-style ones, {x} fields) in ``text``.

    Positional ones are counted only when ``positional_too``: gettext flags the strings Python
    formats with "python-format"; in any other string "100 % uyumlu" is text, not a "% u"."""
    named, positional = set(), 0
    for m in _PERCENT.finditer(text or ""):
        if m.group("conv") == "%":
            continue
        if m.group("name") is not None:
            named.add(f"%({m.group('name')}){m.group('conv')}")
        elif positional_too:
            positional += 1
    braces = {f"{{{m.group('field')}}}" for m in _BRACE.finditer(text or "")}
    return frozenset(named), positional, frozenset(braces)


placeholders = _placeholders


def _describe(ph) -> str:
    named, positional, braces = ph
    parts = sorted(named) + sorted(braces) + ([f"{positional}×%s"] if positional else [])
    return ", ".join(parts) or "none"


def placeholder_problem(entry: polib.POEntry) -> str | None:
    """Why the placeholders of ``entry``'s translation differ from its msgid's, or None."""
    formatted = "python-format" in entry.flags

    def placeholders(text):
        return _placeholders(text, positional_too=formatted)

    if entry.msgid_plural:
        source = [placeholders(entry.msgid), placeholders(entry.msgid_plural)]
        src_named = source[0][0] | source[1][0]
        src_braces = source[0][2] | source[1][2]
        src_positional = max(source[0][1], source[1][1])
        forms = [placeholders(v) for _k, v in sorted(entry.msgstr_plural.items())]
        all_named = frozenset().union(*(f[0] for f in forms)) if forms else frozenset()
        all_braces = frozenset().union(*(f[2] for f in forms)) if forms else frozenset()
        for index, form in enumerate(forms):
            # A form may leave out a placeholder (Django's "one record" singular), never add one.
            extra = (form[0] - src_named) | (form[2] - src_braces)
            if extra or form[1] > src_positional:
                return f"msgstr[{index}] has {_describe(form)}; the source has {_describe(source[1])}"
        if all_named != src_named or all_braces != src_braces:
            return f"the forms together have {_describe((all_named, 0, all_braces))}; " \
                   f"the source has {_describe((src_named, 0, src_braces))}"
        return None
    source, target = placeholders(entry.msgid), placeholders(entry.msgstr)
    if source != target:
        return f"msgstr has {_describe(target)}; msgid has {_describe(source)}"
    return None


def is_untranslated(entry: polib.POEntry) -> bool:
    if entry.msgid_plural:
        return not entry.msgstr_plural or any(not v for v in entry.msgstr_plural.values())
    return not entry.msgstr


def nplurals(po: polib.POFile) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", po.metadata.get("Plural-Forms", ""))
    return int(match.group(1)) if match else 2


def problems(po_path: Path) -> list[str]:
    """Untranslated, fuzzy and placeholder-mismatched entries of one catalogue, as messages."""
    po = polib.pofile(str(po_path))
    found = []
    if "Plural-Forms" not in po.metadata:
        found.append("the header has no Plural-Forms")
    if not po.metadata.get("Language"):
        found.append("the header has no Language")
    expected_forms = nplurals(po)
    for entry in po:
        if entry.obsolete:
            continue
        label = repr(entry.msgid if len(entry.msgid) <= 70 else entry.msgid[:67] + "...")
        if "fuzzy" in entry.flags:
            found.append(f"fuzzy: {label}")
        if is_untranslated(entry):
            found.append(f"untranslated: {label}")
            continue
        if entry.msgid_plural and len(entry.msgstr_plural) != expected_forms:
            found.append(f"plural forms: {label} has {len(entry.msgstr_plural)}, the header says {expected_forms}")
        problem = placeholder_problem(entry)
        if problem:
            found.append(f"placeholders: {label}: {problem}")
    return found


def translations(po: polib.POFile | polib.MOFile) -> dict:
    """{(msgctxt, msgid, msgid_plural): msgstr or (msgstr[0], msgstr[1], ...)} of the entries a
    .mo file carries (translated, not fuzzy, not obsolete; the header left out)."""
    result = {}
    for entry in po:
        if entry.obsolete or "fuzzy" in entry.flags or not entry.msgid:
            continue
        if entry.msgid_plural:
            if is_untranslated(entry):
                continue
            value = tuple(entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural))
        else:
            if not entry.msgstr:
                continue
            value = entry.msgstr
        result[(entry.msgctxt or None, entry.msgid, entry.msgid_plural or None)] = value
    return result


def mo_problem(po_path: Path) -> str | None:
    """Why the .mo beside ``po_path`` is not the compiled catalogue, or None when it is."""
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        return f"{_rel(mo_path)} is missing: run scripts/po_tools.py compile"
    po = polib.pofile(str(po_path))
    mo = polib.mofile(str(mo_path))
    if translations(po) != translations(mo):
        return f"{_rel(mo_path)} does not match its .po: run scripts/po_tools.py compile"
    if po.metadata.get("Plural-Forms") != mo.metadata.get("Plural-Forms"):
        return f"{_rel(mo_path)} has another Plural-Forms than its .po: run scripts/po_tools.py compile"
    return None


def save_po(po: polib.POFile, path: Path) -> None:
    """Save in polib's layout, then, when GNU gettext is installed, in gettext's own line
    wrapping (what makemessages writes), so that the files do not churn between the tools."""
    po.save(str(path))
    msgcat = shutil.which("msgcat")
    if msgcat:
        subprocess.run([msgcat, "--no-location", "-o", str(path), str(path)], check=True)


# --- commands ------------------------------------------------------------------------------------

def compile_all(locale_dir: Path = LOCALE_DIR, quiet: bool = False) -> int:
    for po_path in catalogues(locale_dir):
        po = polib.pofile(str(po_path))
        mo_path = po_path.with_suffix(".mo")
        po.save_as_mofile(str(mo_path))  # translated entries only: fuzzy ones are left out, as msgfmt does
        if not quiet:
            print(f"{_rel(mo_path)}: {len(translations(po))} messages")
    return 0


def check_all(locale_dir: Path = LOCALE_DIR) -> int:
    failed = False
    paths = catalogues(locale_dir)
    if not paths:
        print(f"no catalogues under {locale_dir}")
        return 1
    for po_path in paths:
        found = problems(po_path)
        stale = mo_problem(po_path)
        if stale:
            found.append(stale)
        rel = _rel(po_path)
        if found:
            failed = True
            print(f"{rel}: {len(found)} problem(s)")
            for line in found:
                print(f"  {line}")
        else:
            print(f"{rel}: ok ({len(translations(polib.pofile(str(po_path))))} messages)")
    return 1 if failed else 0


def fill_english(locale_dir: Path = LOCALE_DIR, force: bool = False) -> int:
    """The source language's catalogues: every empty or fuzzy entry gets its msgid (``force``:
    every entry, dropping wording changes made in the English catalogue)."""
    for po_path in catalogues(locale_dir):
        if language_of(po_path) != SOURCE_LANGUAGE:
            continue
        po = polib.pofile(str(po_path))
        changed = 0
        for entry in po:
            if entry.obsolete:
                continue
            fuzzy = "fuzzy" in entry.flags
            if not (force or fuzzy or is_untranslated(entry)):
                continue
            if entry.msgid_plural:
                forms = max(nplurals(po), 2)
                entry.msgstr_plural = {0: entry.msgid, **{i: entry.msgid_plural for i in range(1, forms)}}
            else:
                entry.msgstr = entry.msgid
            if fuzzy:
                entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
            changed += 1
        if changed:
            save_po(po, po_path)
        print(f"{_rel(po_path)}: {changed} entr{'y' if changed == 1 else 'ies'} filled")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("compile", help="write the .mo beside every .po")
    sub.add_parser("check", help="exit 1 on untranslated, fuzzy or placeholder-mismatched entries or stale .mo files")
    fill = sub.add_parser("fill-en", help="English catalogues: msgstr = msgid")
    fill.add_argument("--force", action="store_true", help="also overwrite entries that are already translated")
    parser.add_argument("--locale-dir", type=Path, default=LOCALE_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.command == "compile":
        return compile_all(args.locale_dir)
    if args.command == "check":
        return check_all(args.locale_dir)
    return fill_english(args.locale_dir, force=args.force)


if __name__ == "__main__":
    sys.exit(main())
