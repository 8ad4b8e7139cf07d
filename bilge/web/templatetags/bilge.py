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
