"""Template filters that show personal identifiers masked:

    {% load identity_tags %}
    {{ citizen.id_number|mask_id }}   → 026******234
    {{ citizen.phone|mask_phone }}    → 091****678
"""

from django import template

from chinhquyenso.core import masking

register = template.Library()


@register.filter
def mask_id(value) -> str:
    return masking.mask_id_number(str(value or ""))


@register.filter
def mask_phone(value) -> str:
    return masking.mask_phone(str(value or ""))
