"""Small charts drawn on the server as inline SVG: bars, grouped bars and lines (monthly trends).

The same markup works in an HTML page and in a WeasyPrint PDF (no JavaScript, nothing from a
CDN). Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that lists the
figures, so a screen reader gets the numbers, not a picture; pages should still show the numbers
in a table next to the chart.

    from bilge.web.charts import grouped_bar_chart
    svg = grouped_bar_chart("Aylık talepler", ["Oca", "Şub"], [("Açılan", [4, 7]), ("Çözülen", [3, 6])])
    # {{ svg }} in a template (already safe)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Colour-blind-safe palette (Okabe–Ito), dark enough on white paper.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
FONT = "Bilge DejaVu Sans, DejaVu Sans, Verdana, sans-serif"  # the PDFs' vendored font first
_ids = itertools.count(1)

WIDTH = 720
HEIGHT = 280
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 30, 46


def _number(value) -> str:
    from django.utils.formats import number_format

    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return number_format(value, 1)
    return number_format(int(value), 0, force_grouping=True)


def nice_scale(value: float, integer: bool = False) -> tuple[float, float]:
    """(top, step) of a value axis: a 1, 2 or 5 × 10ⁿ step, at most 5 steps, the top at or above
    ``value``; whole-number steps for counts."""
    value = max(value, 0)
    if value == 0:
        return (4, 1) if integer else (1, 0.25)
    raw = value / 5
    exponent = math.floor(math.log10(raw))
    step = next(m * 10 ** exponent for m in (1, 2, 5, 10) if m * 10 ** exponent >= raw)
    if integer:
        step = max(1, round(step))
    top = math.ceil(value / step - 1e-9) * step
    return top, step


def nice_max(value: float) -> float:
    return nice_scale(value)[0]


def _label_step(count: int, room: int = 14) -> int:
    return max(1, math.ceil(count / room))


def _frame(title: str, description: str, body: list[str], legend: Sequence[tuple[str, str]], width: int,
           height: int) -> SafeString:
    uid = next(_ids)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bilge-chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" preserveAspectRatio="xMidYMid meet" '
        f'aria-labelledby="chart{uid}-title chart{uid}-desc" font-family="{FONT}" font-size="11">',
        f'<title id="chart{uid}-title">{escape(title)}</title>',
        f'<desc id="chart{uid}-desc">{escape(description)}</desc>',
        f'<text x="{LEFT}" y="16" font-size="13" font-weight="bold" fill="#222">{escape(title)}</text>',
    ]
    x = width - RIGHT
    for name, colour in reversed(legend):  # legend at the top right, right-aligned
        text_width = 7 * len(name) + 4
        x -= text_width
        parts.append(f'<text x="{x}" y="16" fill="#222">{escape(name)}</text>')
        x -= 14
        parts.append(f'<rect x="{x}" y="7" width="10" height="10" fill="{colour}"/>')
        x -= 12
    parts += body
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above went through escape()


def _axes(labels: Sequence[str], top_value: float, step: float, width: int,
          height: int) -> tuple[list[str], float, float]:
    """Grid lines with values on the left, category labels below. Returns (parts, plot width, plot height)."""
    plot_w = width - LEFT - RIGHT
    plot_h = height - TOP - BOTTOM
    parts = []
    ticks = max(1, round(top_value / step))
    for i in range(ticks + 1):
        value = step * i
        y = TOP + plot_h - plot_h * i / ticks
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{width - RIGHT}" y2="{y:.1f}" stroke="#ddd" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{_number(value)}</text>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{width - RIGHT}" y2="{TOP + plot_h}" stroke="#666" '
                 f'stroke-width="1"/>')
    step = _label_step(len(labels))
    slot = plot_w / max(len(labels), 1)
    for i, label in enumerate(labels):
        if i % step:
            continue
        x = LEFT + slot * (i + 0.5)
        parts.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" fill="#333">{escape(label)}</text>')
    return parts, plot_w, plot_h


def _describe(labels, series) -> str:
    chunks = []
    for name, values in series:
        figures = ", ".join(f"{label}: {_number(v)}" for label, v in zip(labels, values, strict=False))
        chunks.append(f"{name} — {figures}" if name else figures)
    return "; ".join(chunks)


def grouped_bar_chart(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]],
                      width: int = WIDTH, height: int = HEIGHT, unit: str = "") -> SafeString:
    """Bars side by side per label, one colour per series (e.g. created / resolved per month)."""
    series = [(name, [v or 0 for v in values]) for name, values in series]
    flat = [v for _n, values in series for v in values]
    top, step = nice_scale(max(flat, default=0), integer=all(float(v).is_integer() for v in flat))
    parts, plot_w, plot_h = _axes(labels, top, step, width, height)
    slot = plot_w / max(len(labels), 1)
    group_w = slot * 0.8
    bar_w = group_w / max(len(series), 1)
    show_values = len(labels) * len(series) <= 36
    for s, (name, values) in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        for i, value in enumerate(values):
            h = plot_h * value / top
            x = LEFT + slot * i + (slot - group_w) / 2 + bar_w * s
            y = TOP + plot_h - h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar_w - 1, 1):.1f}" height="{h:.1f}" '
                         f'fill="{colour}"><title>{escape(f"{labels[i]} · {name}: {_number(value)}{unit}")}</title></rect>')
            if show_values and value:
                parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" font-size="9" '
                             f'fill="#333">{_number(value)}</text>')
    legend = [(name, PALETTE[s % len(PALETTE)]) for s, (name, _v) in enumerate(series) if name]
    return _frame(title, _describe(labels, series), parts, legend, width, height)


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float], width: int = WIDTH,
              height: int = HEIGHT, unit: str = "") -> SafeString:
    """One bar per label."""
    return grouped_bar_chart(title, labels, [("", values)], width, height, unit)


def line_chart(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]],
               width: int = WIDTH, height: int = HEIGHT, max_value: float | None = None,
               unit: str = "") -> SafeString:
    """One line per series over the labels (months); ``None`` leaves a gap (no data that month).
    ``max_value`` fixes the scale (100 for percentages)."""
    values_all = [v for _n, values in series for v in values if v is not None]
    top, step = nice_scale(max_value if max_value is not None else max(values_all, default=0))
    parts, plot_w, plot_h = _axes(labels, top, step, width, height)
    slot = plot_w / max(len(labels), 1)
    for s, (name, values) in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        segment: list[str] = []
        points = []
        for i, value in enumerate(values):
            if value is None:
                if len(segment) > 1:
                    parts.append(f'<polyline points="{" ".join(segment)}" fill="none" stroke="{colour}" stroke-width="2"/>')
                segment = []
                continue
            x = LEFT + slot * (i + 0.5)
            y = TOP + plot_h - plot_h * min(value, top) / top
            segment.append(f"{x:.1f},{y:.1f}")
            points.append((x, y, labels[i], value))
        if len(segment) > 1:
            parts.append(f'<polyline points="{" ".join(segment)}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y, label, value in points:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                         f'<title>{escape(f"{label} · {name}: {_number(value)}{unit}")}</title></circle>')
    legend = [(name, PALETTE[s % len(PALETTE)]) for s, (name, _v) in enumerate(series) if name]
    return _frame(title, _describe(labels, series), parts, legend, width, height)
