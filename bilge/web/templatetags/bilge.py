from django import template
from django.template.defaultfilters import stringfilter
from django.utils.translation import get_language

from bilge.core.turkish import upper

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter(is_safe=True)
@stringfilter
def capfirst(value):
    """Django's capfirst, Turkish-aware: "ilgili" → "İlgili", "ışık" → "Işık" (registered as a
    builtin, so it replaces the default filter in every template)."""
    if not value:
        return value
    first = upper(value[0]) if (get_language() or "").startswith("tr") else value[0].upper()
    return first + value[1:]


@register.filter
def module_labels(codes):
    """["servicedesk", "assets"] → "Hizmet masası, Varlıklar ve zimmet" (the user's language)."""
    from bilge.core.permissions import MODULES

    return ", ".join(str(MODULES.get(code, code)) for code in codes or [])


@register.filter
def display(value):
    """A value as the user reads it: dates and numbers in the active language's format."""
    import datetime
    import decimal

    from django.utils.formats import date_format, number_format

    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "—"
    if isinstance(value, datetime.datetime):
        from django.utils import timezone

        return date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, (int, float, decimal.Decimal)):
        return number_format(value, force_grouping=True)
    from django.utils.html import conditional_escape
    from django.utils.safestring import mark_safe

    return mark_safe(conditional_escape(str(value)).replace("\n", "<br>"))


@register.filter
def schema_label(field):
    """The label of a data-defined form field in the active language."""
    lang = (get_language() or "tr")[:2]
    return field.get(f"label_{lang}") or field.get("label_tr") or field.get("key", "")


@register.filter
def schema_help(field):
    lang = (get_language() or "tr")[:2]
    return field.get(f"help_{lang}") or field.get("help_tr") or ""
