"""Charts drawn on the server as inline SVG (no JavaScript, a few hundred bytes each):

    {% load community_charts %}
    {% stacked_bars chart %}     chart = {"labels": [...], "series": [{"label", "values"}, …]}
    {{ 0.85|percent_bar }}       a thin bar for a share between 0 and 1

The numbers stay readable without the picture: each bar has a <title>, and the page
shows the same figures in a table next to it.
"""

from __future__ import annotations

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()

# Distinguishable colours, also for most colour-blind readers (Okabe–Ito).
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#7a6f00", "#555555")


def _nice_top(value: int) -> int:
    """A round number at or above `value` for the top of the axis."""
    if value <= 5:
        return 5
    step = 10 ** (len(str(value)) - 1)
    for factor in (1, 2, 5, 10):
        if value <= factor * step:
            return factor * step
    return value


@register.simple_tag
def stacked_bars(chart: dict, height: int = 180) -> str:
    labels = chart.get("labels", [])
    series = [s for s in chart.get("series", []) if any(s["values"])]
    if not labels:
        return ""
    totals = [sum(s["values"][i] for s in series) for i in range(len(labels))]
    top = _nice_top(max(totals, default=0))
    sublabels = chart.get("sublabels") or [""] * len(labels)
    left, bottom = 30, 30
    width = max(300, 28 * len(labels) + left + 6)
    plot_w, plot_h = width - left - 6, height - bottom - 8
    slot = plot_w / len(labels)
    bar = max(6.0, min(32.0, slot * 0.72))
    parts = [f'<div class="chart-wrap"><svg class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'style="min-width:{int(width * 0.85)}px" '
             f'aria-label="{escape(chart.get("title", _("Activities by month")))}" '
             f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">']
    for tick in (0, top // 2, top):
        y = 8 + plot_h - plot_h * tick / top
        parts.append(f'<line x1="{left}" x2="{width - 6}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d8d8dc"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
                     f'fill="#55565a">{tick}</text>')
    for i, label in enumerate(labels):
        x = left + slot * i + (slot - bar) / 2
        y = 8 + plot_h
        for colour, s in zip(PALETTE, series, strict=False):
            value = s["values"][i]
            if not value:
                continue
            h = plot_h * value / top
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                         f'fill="{colour}"><title>{escape(label)} · {escape(s["label"])}: {value}'
                         f'</title></rect>')
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 14}" text-anchor="middle" '
                     f'font-size="11" fill="#55565a">{escape(label)}</text>')
        if sublabels[i]:
            parts.append(f'<text x="{x:.1f}" y="{height - 3}" font-size="10" '
                         f'fill="#55565a">{escape(sublabels[i])}</text>')
    parts.append("</svg></div>")
    legend = "".join(format_html('<li><span class="swatch" style="background:{}"></span>{}</li>', colour,
                                 s["label"]) for colour, s in zip(PALETTE, series, strict=False))
    if legend:
        parts.append(f'<ul class="legend">{legend}</ul>')
    else:
        parts.append(format_html('<p class="hint">{}</p>', _("No confirmed activity in this period.")))
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


@register.filter
def percent_bar(share) -> str:
    try:
        share = min(max(float(share), 0.0), 1.0)
    except (TypeError, ValueError):
        return ""
    return format_html('<svg class="percent-bar" viewBox="0 0 100 8" aria-hidden="true" '
                       'preserveAspectRatio="none"><rect width="100" height="8" fill="#eee"/>'
                       '<rect width="{}" height="8" fill="#1b6e3a"/></svg>', f"{share * 100:.1f}")
