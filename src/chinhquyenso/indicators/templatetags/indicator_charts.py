"""Small charts drawn on the server as inline SVG (no JavaScript, nothing fetched):

    {% load indicator_charts %}
    {% trend_line row.trend target=row.figure.target %}   12 months as a line, the target dashed
    {% figure_value figure %}                             a value with its legend colour

Each point has a <title> with its month and value, and the page shows the same values in
a table (and in Excel), so nothing depends on seeing the picture.
"""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()


def _fmt(value) -> str:
    if value is None:
        return "—"
    value = Decimal(value)
    if value == value.to_integral_value():
        return number_format(int(value), force_grouping=True)
    return number_format(value, 2, force_grouping=True)


@register.filter
def num(value) -> str:
    """A number as people write it here (1.234,5), or a dash when there is none."""
    return _fmt(value)


@register.simple_tag
def trend_line(series, target=None, width: int = 160, height: int = 36) -> str:
    values = [float(v) for _m, v in series if v is not None]
    if not values:
        return format_html('<span class="hint">{}</span>', _("no data"))
    top = max(values + ([float(target)] if target is not None else []))
    bottom = min(values + ([float(target)] if target is not None else []))
    if top == bottom:
        top, bottom = top + 1, bottom - 1
    step = (width - 8) / max(len(series) - 1, 1)

    def y(value: float) -> float:
        return 4 + (height - 8) * (top - value) / (top - bottom)

    points, dots = [], []
    for i, (month, value) in enumerate(series):
        if value is None:
            continue
        x, yy = 4 + step * i, y(float(value))
        points.append(f"{x:.1f},{yy:.1f}")
        dots.append(f'<circle cx="{x:.1f}" cy="{yy:.1f}" r="2"><title>{month:%m/%Y}: '
                    f'{escape(_fmt(value))}</title></circle>')
    parts = [f'<svg class="trend" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'role="img" aria-label="{escape(_("Trend over 12 months"))}" xmlns="http://www.w3.org/2000/svg">']
    if target is not None:
        ty = y(float(target))
        parts.append(f'<line x1="0" x2="{width}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="#8a8a90" '
                     f'stroke-dasharray="3 3"><title>{escape(_("Target"))}: {escape(_fmt(target))}</title></line>')
    parts.append(f'<polyline fill="none" stroke="#0072b2" stroke-width="1.6" points="{" ".join(points)}"/>')
    parts.extend(dots)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - numbers and escaped text only


@register.simple_tag
def figure_value(figure, unit: str = "") -> str:
    """The value with a swatch of its legend colour and the band's name for screen readers."""
    if figure is None or figure.value is None:
        return format_html('<span class="no-value">{}</span>', "—")
    text = _fmt(figure.value) + (unit if unit == "%" else "")
    if figure.band is None:
        return format_html('<span class="value">{}</span>', text)
    return format_html('<span class="value"><span class="band" style="background:{}" title="{}"></span>{}'
                       '<span class="visually-hidden"> ({})</span></span>',
                       figure.band.colour, figure.band.label, text, figure.band.label)
