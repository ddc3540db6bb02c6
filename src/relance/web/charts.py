"""Server-rendered SVG charts (no script, no style attribute: CSP allows them inline)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from relance.domain.aging import AgingBuckets, AgingReport

#: One colour per bucket, from not due (calm) to very late (alarming).
#: Every colour keeps a contrast ratio above 3:1 against the white background.
COLOURS = ("#2f6f4f", "#8a6d00", "#b35900", "#b3261e", "#7a1020", "#4b0a14")


@dataclass(frozen=True, slots=True)
class Bar:
    key: str
    label: str
    amount: str
    count: int
    height: int


def aging_bars(
    report: AgingReport, buckets: AgingBuckets, lang: str, fmt: object, max_height: int
) -> list[Bar]:
    """Bars scaled to the largest bucket; `fmt` formats a Money for display."""
    values = [report.totals.get(b.key) for b in buckets.buckets]
    largest = max((v.amount for v in values if v is not None), default=Decimal(0))
    bars = []
    for bucket, value in zip(buckets.buckets, values, strict=True):
        amount = value.amount if value is not None else Decimal(0)
        height = int(amount / largest * max_height) if largest > 0 else 0
        if amount > 0 and height < 2:
            height = 2
        bars.append(
            Bar(
                key=bucket.key,
                label=bucket.label(lang),
                amount=fmt(value) if value is not None else "",  # type: ignore[operator]
                count=report.count.get(bucket.key, 0),
                height=height,
            )
        )
    return bars


def aging_svg(
    report: AgingReport,
    buckets: AgingBuckets,
    *,
    lang: str,
    fmt: object,
    title: str,
    width: int = 720,
    height: int = 280,
) -> SafeString:
    """An accessible bar chart of the aging buckets as an inline <svg> element."""
    top, bottom = 30, 50
    plot = height - top - bottom
    bars = aging_bars(report, buckets, lang, fmt, plot)
    slot = width / max(len(bars), 1)
    bar_width = slot * 0.6
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" aria-labelledby="aging-title" '
        f'data-currency="{escape(report.currency)}">',
        f'<title id="aging-title">{escape(title)}</title>',
        f'<line x1="0" y1="{top + plot}" x2="{width}" y2="{top + plot}" '
        f'stroke="#444" stroke-width="1"/>',
    ]
    for index, bar in enumerate(bars):
        x = index * slot + (slot - bar_width) / 2
        y = top + plot - bar.height
        centre = index * slot + slot / 2
        colour = COLOURS[min(index, len(COLOURS) - 1)]
        parts.append(
            f'<g class="bar" data-bucket="{escape(bar.key)}">'
            f"<title>{escape(bar.label)}: {escape(bar.amount)}</title>"
            f'<rect x="{x:.1f}" y="{y}" width="{bar_width:.1f}" height="{bar.height}" '
            f'fill="{colour}"/>'
            f'<text x="{centre:.1f}" y="{y - 6}" text-anchor="middle" font-size="13" '
            f'fill="#1a1a1a">{escape(bar.amount)}</text>'
            f'<text x="{centre:.1f}" y="{top + plot + 20}" text-anchor="middle" '
            f'font-size="13" fill="#1a1a1a">{escape(bar.label)}</text>'
            f"</g>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above


def bars_svg(
    items: list[tuple[str, str, Decimal]],
    *,
    title: str,
    chart_id: str,
    width: int = 720,
    height: int = 260,
    colour: str = COLOURS[0],
) -> SafeString:
    """A plain accessible bar chart: (label, value as shown, value) per bar."""
    top, bottom = 30, 50
    plot = height - top - bottom
    largest = max((v for _, _, v in items), default=Decimal(0))
    slot = width / max(len(items), 1)
    bar_width = min(slot * 0.6, 64.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" aria-labelledby="{escape(chart_id)}">',
        f'<title id="{escape(chart_id)}">{escape(title)}</title>',
        f'<line x1="0" y1="{top + plot}" x2="{width}" y2="{top + plot}" '
        f'stroke="#444" stroke-width="1"/>',
    ]
    for index, (label, shown, value) in enumerate(items):
        bar = int(value / largest * plot) if largest > 0 else 0
        if value > 0 and bar < 2:
            bar = 2
        x = index * slot + (slot - bar_width) / 2
        y = top + plot - bar
        centre = index * slot + slot / 2
        parts.append(
            f'<g class="bar"><title>{escape(label)}: {escape(shown)}</title>'
            f'<rect x="{x:.1f}" y="{y}" width="{bar_width:.1f}" height="{bar}" fill="{colour}"/>'
            f'<text x="{centre:.1f}" y="{top + plot + 20}" text-anchor="middle" '
            f'font-size="12" fill="#1a1a1a">{escape(label)}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above
