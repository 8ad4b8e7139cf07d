"""The documentation cannot drift from the code.

* docs/configuration.md holds exactly the settings table ``bilge settings_doc`` prints (from
  bilge/conf.py); fix with ``bilge settings_doc --write docs/configuration.md``.
* docs/design/org.md holds the per-preset tables computed here from the preset YAML files; when a
  preset changes, the failure message prints the new block to paste between the markers.
* README.md starts with the two commands, and every ``bilge <command>`` the docs show exists.
"""

import re
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command, get_commands

import bilge
from bilge.conf import SETTINGS
from bilge.core.management.commands.settings_doc import (
    BEGIN,
    END,
    generated_block,
    replace_block,
    settings_table,
)
from bilge.core.services import PRESET_DIR, PRESETS

ROOT = Path(bilge.__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PRESETS_BEGIN = "<!-- presets:begin -->"
PRESETS_END = "<!-- presets:end -->"
# The letters PRODUCT.md cites the regulations by (D md.7, F md.12, İ md.12/e, K md.4/s, B md.7/21).
LETTERS = {"denizli": "D", "defne": "F", "izmir": "İ", "kocaeli": "K", "batman": "B"}
# Commands the docs may name before their code is merged; keep empty otherwise.
PENDING_COMMANDS: set[str] = set()


def _read(path: Path) -> str:
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing")
    return path.read_text(encoding="utf-8")


# --- settings ---------------------------------------------------------------------------------------

def test_configuration_doc_holds_exactly_the_generated_settings_table():
    text = _read(DOCS / "configuration.md")
    assert text.count(BEGIN) == 1 and text.count(END) == 1, "exactly one settings block"
    assert generated_block(text) == settings_table(), (
        "docs/configuration.md is out of date with bilge/conf.py: "
        "run `bilge settings_doc --write docs/configuration.md`")


def test_settings_table_has_one_row_per_setting_with_its_default():
    rows = settings_table().splitlines()[2:]
    assert len(rows) == len(SETTINGS)
    for row, setting in zip(rows, SETTINGS.values(), strict=True):
        assert row.startswith(f"| `{setting.name}` | ")
        if setting.default:
            assert f"`{setting.default}`" in row


def test_settings_doc_command_prints_the_table_and_checks_and_writes_a_file(tmp_path):
    out = StringIO()
    call_command("settings_doc", stdout=out)
    assert out.getvalue().strip() == settings_table()

    doc = tmp_path / "configuration.md"
    doc.write_text(f"intro\n\n{BEGIN}\n| old |\n{END}\n\nafter\n", encoding="utf-8")
    with pytest.raises(Exception, match="out of date"):
        call_command("settings_doc", check=str(doc), stdout=StringIO())
    call_command("settings_doc", write=str(doc), stdout=StringIO())
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("intro\n\n") and text.endswith("\n\nafter\n")
    assert generated_block(text) == settings_table()
    call_command("settings_doc", check=str(doc), stdout=StringIO())


def test_replace_block_refuses_a_file_without_markers():
    with pytest.raises(ValueError):
        replace_block("no markers here", "| table |")


def test_a_cell_cannot_break_the_table():
    from bilge.conf import Setting

    table = settings_table({"X": Setting("X", "a|b", "one | two\nthree")})
    assert table.splitlines()[2] == r"| `X` | `a\|b` | one \| two three |"


def test_every_declared_setting_is_read_somewhere():
    """A setting declared in conf.py but read nowhere would be documented as working."""
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "bilge").rglob("*.py")
                        if p.name != "conf.py" and "tests" not in p.parts and "migrations" not in p.parts)
    unread = [name for name in SETTINGS if f'"{name}"' not in sources]
    assert not unread, f"declared in bilge/conf.py but never read: {unread}"


# --- presets in docs/design/org.md --------------------------------------------------------------------

def _article(ref: str) -> str:
    return ref.split("/", 1)[0]


def preset_tables() -> str:
    """Per preset: its units with their duty counts, and the duties per article (paragraph)."""
    parts = []
    for name in PRESETS:
        data = yaml.safe_load((PRESET_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
        inst, reg, units, duties = data["institution"], data["regulation"], data["units"], data["duties"]
        per_unit = Counter(d["unit"] for d in duties)
        not_software = sum(1 for d in duties if not d.get("software", True))
        date = f", {reg['date']}" if reg.get("date") else ""
        parts.append(f"### {LETTERS[name]} — {inst['name']} (`{name}`)")
        parts.append("")
        parts.append(f"{reg.get('kind') or 'yonerge'}{date}: {len(units)} units, {len(duties)} duties, "
                     f"{not_software} of them not a software matter.")
        parts.append("")
        parts.append("| Code | Unit | Kind | Parent | Established by | Duties |")
        parts.append("|---|---|---|---|---|---|")
        for u in units:
            parts.append(f"| {u['code']} | {u['name']} | {u['kind']} | {u.get('parent') or '—'} | "
                         f"{u.get('ref') or '—'} | {per_unit[u['code']]} |")
        parts.append("")
        articles: dict[str, list] = {}
        for d in duties:
            articles.setdefault(_article(d["ref"]), []).append(d)
        parts.append("| Article | Duties | Not software | Owning units |")
        parts.append("|---|---|---|---|")
        for article, items in articles.items():
            owners = ", ".join(dict.fromkeys(d["unit"] for d in items))
            ns = sum(1 for d in items if not d.get("software", True))
            parts.append(f"| {article} | {len(items)} | {ns} | {owners} |")
        parts.append("")
        modules = Counter(m for d in duties for m in (d.get("modules") or []))
        named = ", ".join(f"{m} {n}" for m, n in sorted(modules.items(), key=lambda kv: (-kv[1], kv[0])))
        none = sum(1 for d in duties if not d.get("modules"))
        parts.append(f"Modules its duties name: {named}; duties naming no module: {none}.")
        parts.append("")
    return "\n".join(parts).strip()


def test_org_design_holds_the_preset_tables_computed_from_the_yaml_files():
    text = _read(DOCS / "design" / "org.md")
    start, end = text.find(PRESETS_BEGIN), text.find(PRESETS_END)
    assert 0 <= start < end, f"docs/design/org.md needs {PRESETS_BEGIN} … {PRESETS_END}"
    current = text[start + len(PRESETS_BEGIN):end].strip()
    expected = preset_tables()
    assert current == expected, (
        "docs/design/org.md is out of date with the presets; put this between the markers:\n\n" + expected)


# --- README and commands --------------------------------------------------------------------------------

def _code(text: str) -> list[str]:
    """Fenced blocks and inline code spans of a Markdown text."""
    fenced = re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)
    rest = re.sub(r"^```[^\n]*\n.*?^```", "", text, flags=re.DOTALL | re.MULTILINE)
    return fenced + re.findall(r"`([^`\n]+)`", rest)


def test_readme_starts_with_the_two_commands():
    text = _read(ROOT / "README.md")
    before, _fence, rest = text.partition("```")
    assert all(line.startswith("#") or not line.strip() for line in before.splitlines()), (
        "README.md must start (after its title) with the two commands")
    block = rest.partition("\n")[2].partition("```")[0]
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make run", "make test"]


def test_every_bilge_command_the_docs_show_exists():
    known = set(get_commands()) | {"help"} | PENDING_COMMANDS
    pages = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
    missing = {}
    for page in pages:
        for snippet in _code(_read(page)):
            snippet = re.sub(r"(?:^|\s)#.*$", "", snippet, flags=re.MULTILINE)  # shell comments
            for name in re.findall(r"(?:^|\s|bin/)bilge ([a-z][a-z0-9_]*)", snippet, flags=re.MULTILINE):
                if name not in known:
                    missing.setdefault(str(page.relative_to(ROOT)), set()).add(name)
    assert not missing, f"the docs name commands that do not exist: {missing}"


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_links_between_the_docs_reach_their_page_and_heading():
    pages = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
    broken = []
    for page in pages:
        text = re.sub(r"^```.*?^```", "", _read(page), flags=re.DOTALL | re.MULTILINE)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"^[a-z]+:", target):
                continue  # an outside address
            path, _hash, anchor = target.partition("#")
            dest = (page.parent / path).resolve() if path else page
            if not dest.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
                continue
            if anchor and dest.suffix == ".md":
                headings = re.findall(r"^#+ (.+)$", _read(dest), flags=re.MULTILINE)
                if anchor not in {_anchor(h) for h in headings}:
                    broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert not broken, "broken links:\n" + "\n".join(broken)
