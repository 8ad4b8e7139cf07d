"""Rendering notification texts: the shipped default templates and the administrators' overrides.

A separate template engine renders them: plain text (no HTML escaping), the i18n tags built in,
no other tag library, and only a short list of tags (no include, extends, url or debug). Values
come in only as context — a ticket title such as "{{ x }}" is printed as typed, never run.
An override is checked before it is saved: syntax, allowed tags, variables the kind offers, and a
trial rendering with the kind's sample context in every language.
"""

from __future__ import annotations

import functools
import re

from django.core.exceptions import ValidationError
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import FilterExpression, Lexer, Node, TokenType, Variable
from django.template.smartif import TokenBase
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

LANGUAGES = ("tr", "en")
ALLOWED_TAGS = frozenset({
    "if", "elif", "else", "endif", "for", "empty", "endfor", "with", "endwith",
    "translate", "trans", "blocktranslate", "blocktrans", "plural", "endblocktranslate", "endblocktrans",
    "comment", "endcomment", "firstof", "now", "spaceless", "endspaceless", "templatetag", "load",
})
ALWAYS_KNOWN = frozenset({"True", "False", "None"})
SUBJECT_MAX = 200


@functools.cache
def engine() -> Engine:
    return Engine(app_dirs=True, autoescape=False, string_if_invalid="",
                  libraries={"i18n": "django.templatetags.i18n"}, builtins=["django.templatetags.i18n"])


def language_of(code: str | None) -> str:
    """'en-us' → 'en'; anything not offered → the installation's language (or Turkish)."""
    code = (code or "")[:2].lower()
    if code in LANGUAGES:
        return code
    from django.conf import settings

    fallback = (settings.LANGUAGE_CODE or "tr")[:2].lower()
    return fallback if fallback in LANGUAGES else "tr"


# --- checking ------------------------------------------------------------------------------------

def _check_tags(source: str) -> None:
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.TEXT:
            # Django prints an unclosed "{{ x" as text; here it is a mistake worth telling.
            for opener, closer in (("{{", "}}"), ("{%", "%}")):
                if opener in token.contents:
                    line = token.lineno + token.contents[:token.contents.index(opener)].count("\n")
                    raise ValidationError(_("Line %(line)s: “%(open)s” is not closed with “%(close)s”.")
                                          % {"line": line, "open": opener, "close": closer}, code="syntax")
        if token.token_type != TokenType.BLOCK:
            continue
        bits = token.split_contents()
        name = bits[0] if bits else ""
        if name not in ALLOWED_TAGS:
            raise ValidationError(
                _("Line %(line)s: the tag “%(tag)s” cannot be used in notification templates. Allowed tags: "
                  "%(allowed)s.") % {"line": token.lineno, "tag": name or "{% %}",
                                     "allowed": ", ".join(sorted(t for t in ALLOWED_TAGS if not t.startswith("end")))},
                code="tag")
        if name == "load" and any(lib != "i18n" for lib in bits[1:]):
            raise ValidationError(_("Line %(line)s: only the i18n library can be loaded (it is loaded already).")
                                  % {"line": token.lineno}, code="tag")


def variables_used(nodelist) -> tuple[set[str], set[str]]:
    """(names read from the context, names the template defines itself: loop variables, with, as)."""
    from django.templatetags.i18n import BlockTranslateNode

    used: set[str] = set()
    defined: set[str] = set()

    def variable(var):
        if isinstance(var, Variable) and var.lookups:
            used.add(var.lookups[0])

    def visit(obj):
        if obj is None or isinstance(obj, (str, int, float, bool)):
            return
        if isinstance(obj, FilterExpression):
            variable(obj.var)
            for _func, args in obj.filters:
                for is_var, arg in args:
                    if is_var:
                        variable(arg)
        elif isinstance(obj, Variable):
            variable(obj)
        elif isinstance(obj, Node):
            if isinstance(obj, BlockTranslateNode):
                for token in list(obj.singular or []) + list(obj.plural or []):
                    if token.token_type == TokenType.VAR:
                        used.add(token.contents)
                if obj.countervar:
                    defined.add(obj.countervar)
            for attr in ("loopvars",):
                if getattr(obj, attr, None):
                    defined.update(getattr(obj, attr))
                    defined.add("forloop")
            for attr in ("asvar", "variable_name"):
                if isinstance(getattr(obj, attr, None), str):
                    defined.add(getattr(obj, attr))
            extra = getattr(obj, "extra_context", None)
            if isinstance(extra, dict):
                defined.update(extra)
            for name, value in vars(obj).items():
                if name not in ("token", "origin", "loopvars"):
                    visit(value)
        elif isinstance(obj, (list, tuple)):
            for item in obj:
                visit(item)
        elif isinstance(obj, dict):
            for item in obj.values():
                visit(item)
        elif isinstance(obj, TokenBase):  # {% if %} conditions
            for attr in ("first", "second", "value"):
                visit(getattr(obj, attr, None))

    visit(nodelist)
    return used, defined


def check(source: str, kind, language: str | None = None):
    """Compile ``source`` for ``kind``; raise ValidationError with a message an administrator can act on."""
    _check_tags(source)
    try:
        template = engine().from_string(source)
    except TemplateSyntaxError as exc:
        raise ValidationError(_("The template has an error: %(error)s") % {"error": exc}, code="syntax") from exc
    used, defined = variables_used(template.nodelist)
    unknown = sorted(used - set(kind.variables) - defined - ALWAYS_KNOWN)
    if unknown:
        raise ValidationError(
            _("Unknown variables: %(unknown)s. This kind offers: %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(sorted(kind.variables)) or "—"}, code="variables")
    for lang in ([language] if language else LANGUAGES):
        try:
            render(template, kind.sample, lang)
        except Exception as exc:  # a filter that fails on the sample values, a bad count, …
            raise ValidationError(_("The template fails with the sample data: %(error)s") % {"error": exc},
                                  code="render") from exc
    return template


# --- rendering -----------------------------------------------------------------------------------

def render(template, context: dict, language: str) -> str:
    return render_all([template], context, language)[0]


def render_all(templates, context: dict, language: str) -> list[str]:
    """Each template rendered with ``context`` in ``language`` (switched to once for all)."""
    with translation.override(language):
        values = {k: str(v) if isinstance(v, Promise) else v for k, v in context.items()}
        return [template.render(Context(values, autoescape=False)) for template in templates]


def clean_subject(text: str) -> str:
    return " ".join(text.split())[:SUBJECT_MAX]


def clean_body(text: str) -> str:
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def default_templates(kind):
    return engine().get_template(kind.subject_template), engine().get_template(kind.body_template)


def default_source(kind, part: str) -> str:
    """The shipped template's text (shown to administrators as a starting point)."""
    name = kind.subject_template if part == "subject" else kind.body_template
    return engine().get_template(name).source


def render_pair(kind, context: dict, language: str, override=None) -> tuple[str, str]:
    """(subject, body) for one language: the override when there is a good one, else the default."""
    if override is not None:
        try:
            subject, body = render_all([engine().from_string(override.subject),
                                        engine().from_string(override.body)], context, language)
            return clean_subject(subject), clean_body(body)
        except Exception:  # checked when saved; never lose a notification over a template
            import logging

            logging.getLogger("bilge.notify").exception("notification template %s/%s failed; using the default",
                                                        kind.key, language)
    subject, body = render_all(default_templates(kind), context, language)
    return clean_subject(subject), clean_body(body)
