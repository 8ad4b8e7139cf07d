"""``bilge settings_doc``: the table of every setting, generated from ``bilge.conf.SETTINGS``.

docs/configuration.md holds this table between the markers below; a test
(bilge/core/tests/test_docs.py) fails when the two differ, so the documentation cannot drift
from the code. After adding or changing a setting in bilge/conf.py run::

    bilge settings_doc --write docs/configuration.md
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

BEGIN = "<!-- settings:begin -->"
END = "<!-- settings:end -->"


def _cell(text: str) -> str:
    """Text safe inside one Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _default(value: str | None) -> str:
    if value is None:
        return "*(not set)*"
    if value == "":
        return "*(empty)*"
    return f"`{_cell(value)}`"


def settings_table(settings=None) -> str:
    """The Markdown table of the settings, in the order bilge/conf.py declares them."""
    if settings is None:
        from bilge.conf import SETTINGS

        settings = SETTINGS
    lines = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for setting in settings.values():
        lines.append(f"| `{setting.name}` | {_default(setting.default)} | {_cell(setting.help)} |")
    return "\n".join(lines)


def generated_block(text: str) -> str:
    """What stands between the markers in ``text`` (stripped); ValueError when they are missing."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < 0 or end < start:
        raise ValueError(f"the markers {BEGIN} and {END} are missing or out of order")
    return text[start + len(BEGIN):end].strip()


def replace_block(text: str, block: str) -> str:
    """``text`` with the part between the markers replaced by ``block``."""
    generated_block(text)  # checks the markers
    start, end = text.find(BEGIN), text.find(END)
    return f"{text[:start + len(BEGIN)]}\n{block}\n{text[end:]}"


class Command(BaseCommand):
    help = ("Print the Markdown table of every setting (from bilge/conf.py). --write FILE updates the "
            "table between the markers in FILE; --check FILE exits 1 when FILE's table is out of date.")

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--write", metavar="FILE", help="Replace the table between the markers in FILE.")
        group.add_argument("--check", metavar="FILE", help="Exit 1 when the table in FILE differs.")

    def handle(self, *args, **options):
        table = settings_table()
        target = options["write"] or options["check"]
        if not target:
            self.stdout.write(table)
            return
        path = Path(target)
        try:
            text = path.read_text(encoding="utf-8")
            current = generated_block(text)
        except (OSError, ValueError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        if options["check"]:
            if current != table:
                raise CommandError(f"{path}: the settings table is out of date; run "
                                   f"`bilge settings_doc --write {path}`.")
            self.stdout.write(f"{path}: up to date.")
            return
        if current == table:
            self.stdout.write(f"{path}: already up to date.")
            return
        path.write_text(replace_block(text, table), encoding="utf-8")
        self.stdout.write(f"{path}: settings table updated.")
