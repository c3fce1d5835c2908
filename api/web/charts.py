"""Charts as inline SVG drawn on the server: no script, no outside request, prints as it shows."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

from api.web.display import share, vn_number

PALETTE = ("#1f5f8b", "#c0392b", "#2e8b57", "#b9770e", "#6c3483", "#5d6d7e")


def bars(rows: Sequence[tuple[str, int]], *, title: str, color: str = PALETTE[0]) -> Markup:
    """Horizontal bars, one per (label, count), with the count and its share of the total."""
    total = sum(n for _, n in rows)
    top = max((n for _, n in rows), default=0) or 1
    row_h, label_w, bar_w = 26, 190, 240
    height = row_h * len(rows) + 8
    parts = [f'<svg class="chart" viewBox="0 0 {label_w + bar_w + 110} {height}" role="img" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for i, (name, n) in enumerate(rows):
        y = 4 + i * row_h
        w = round(bar_w * n / top)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end">{escape(name)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w}" height="{row_h - 8}" '
            f'fill="{color}" rx="2"/>'
            f'<text x="{label_w + w + 6}" y="{y + 16}">{vn_number(n)} '
            f'({share(n, total)})</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def columns(rows: Sequence[tuple[str, int]], *, title: str, color: str = PALETTE[0]) -> Markup:
    """Vertical columns (a series over months), labels under each column."""
    top = max((n for _, n in rows), default=0) or 1
    col_w, chart_h = 34, 140
    width = col_w * max(len(rows), 1) + 20
    parts = [f'<svg class="chart" viewBox="0 0 {width} {chart_h + 44}" role="img" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for i, (name, n) in enumerate(rows):
        h = round((chart_h - 16) * n / top)
        x = 10 + i * col_w
        parts.append(
            f'<rect x="{x + 4}" y="{chart_h - h}" width="{col_w - 8}" height="{h}" '
            f'fill="{color}" rx="2"/>'
            f'<text x="{x + col_w / 2}" y="{chart_h - h - 3}" text-anchor="middle" '
            f'class="small">{vn_number(n)}</text>'
            f'<text x="{x + col_w / 2}" y="{chart_h + 14}" text-anchor="middle" '
            f'class="small">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def pyramid(bands: Sequence[str], men: Sequence[int], women: Sequence[int], *,
            title: str) -> Markup:
    """Age and gender pyramid: men to the left, women to the right, youngest band at the
    bottom."""
    top = max([*men, *women, 1])
    half, label_w, row_h = 170, 110, 26
    width = 2 * half + label_w
    height = row_h * len(bands) + 30
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
             f'<text x="{half - 4}" y="14" text-anchor="end" class="small">Nam</text>'
             f'<text x="{half + label_w + 4}" y="14" class="small">Nữ</text>']
    for i, band in enumerate(reversed(bands)):
        j = len(bands) - 1 - i
        y = 20 + i * row_h
        wm = round((half - 40) * men[j] / top)
        ww = round((half - 40) * women[j] / top)
        parts.append(
            f'<rect x="{half - wm}" y="{y + 3}" width="{wm}" height="{row_h - 8}" '
            f'fill="{PALETTE[0]}" rx="2"/>'
            f'<text x="{half - wm - 4}" y="{y + 16}" text-anchor="end" class="small">'
            f'{vn_number(men[j])}</text>'
            f'<text x="{half + label_w / 2}" y="{y + 16}" text-anchor="middle">'
            f'{escape(band)}</text>'
            f'<rect x="{half + label_w}" y="{y + 3}" width="{ww}" height="{row_h - 8}" '
            f'fill="{PALETTE[1]}" rx="2"/>'
            f'<text x="{half + label_w + ww + 4}" y="{y + 16}" class="small">'
            f'{vn_number(women[j])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
