"""Charts as server-rendered SVG: no script, no library, readable without colour (every
bar carries its figure as text and a <title>)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup

from scic.web import fmt

INK = "#1f2933"
BAR = "#1d5fa8"  # 6.6:1 on white
CAP = "#b3261e"
TRACK = "#e4e7eb"


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    text: str


def bar_chart(bars: list[Bar], title: str, width: int = 720, height: int = 260) -> Markup:
    """Vertical bars, one per label, scaled to the largest; the value above each bar."""
    top, bottom, left = 28, 44, 8
    inner = height - top - bottom
    step = (width - 2 * left) / max(len(bars), 1)
    peak = max((b.value for b in bars), default=Decimal(0)) or Decimal(1)
    parts = [
        Markup(
            '<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-t" '
            'xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{t}</title>'
        ).format(w=width, h=height, id=_ident(title), t=title)
    ]
    for i, bar in enumerate(bars):
        size = float(bar.value / peak) * inner if bar.value > 0 else 0.0
        x = left + i * step + step * 0.15
        y = top + inner - size
        parts.append(
            Markup(
                "<g><title>{label} : {text}</title>"
                '<rect x="{x:.1f}" y="{y:.1f}" width="{bw:.1f}" height="{bh:.1f}" fill="{fill}"/>'
                '<text x="{cx:.1f}" y="{ty:.1f}" font-size="11" text-anchor="middle" '
                'fill="{ink}">{short}</text>'
                '<text x="{cx:.1f}" y="{ly:.1f}" font-size="11" text-anchor="middle" '
                'fill="{ink}">{label}</text></g>'
            ).format(
                label=bar.label,
                text=bar.text,
                x=x,
                y=y,
                bw=step * 0.7,
                bh=size,
                fill=BAR,
                cx=x + step * 0.35,
                ty=y - 6,
                ink=INK,
                short=_short(bar.value),
                ly=height - bottom + 18,
            )
        )
    parts.append(
        Markup('<line x1="{l}" x2="{r}" y1="{y}" y2="{y}" stroke="{ink}"/></svg>').format(
            l=left, r=width - left, y=top + inner, ink=INK
        )
    )
    return Markup("").join(parts)


def gauge(share: Decimal, cap: Decimal, title: str, width: int = 480) -> Markup:
    """A horizontal gauge from 0 to 100 %: the share filled, the cap as a red mark."""
    height, top, track = 64, 8, 22
    fill = float(min(max(share, Decimal(0)), Decimal(1))) * width
    mark = float(cap) * width
    return Markup(
        '<svg class="gauge" viewBox="0 0 {w} {h}" role="img" aria-labelledby="g-{id}" '
        'xmlns="http://www.w3.org/2000/svg"><title id="g-{id}">{title}</title>'
        '<rect x="0" y="{top}" width="{w}" height="{track}" fill="{bg}"/>'
        '<rect x="0" y="{top}" width="{fill:.1f}" height="{track}" fill="{bar}"/>'
        '<line x1="{m:.1f}" x2="{m:.1f}" y1="2" y2="{mb}" stroke="{cap}" stroke-width="3"/>'
        '<text x="{m:.1f}" y="{ty}" font-size="12" text-anchor="middle" fill="{cap}">'
        "plafond {cap_text}</text></svg>"
    ).format(
        w=width,
        h=height,
        id=_ident(title),
        title=title,
        top=top,
        track=track,
        bg=TRACK,
        fill=fill,
        bar=BAR,
        m=min(max(mark, 2.0), width - 2.0),
        mb=top + track + 6,
        cap=CAP,
        ty=top + track + 22,
        cap_text=fmt.percent(cap, 0),
    )


def _short(value: Decimal) -> str:
    """Compact euros for a bar's label: '12 k€', '1,2 M€'."""
    if value >= 1_000_000:
        return fmt.number(value / 1_000_000, 1) + fmt.NBSP + "M€"
    if value >= 1_000:
        return fmt.number((value / 1_000).to_integral_value()) + fmt.NBSP + "k€"
    return fmt.number(value.to_integral_value()) + fmt.NBSP + "€"


def _ident(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower())[:40]
