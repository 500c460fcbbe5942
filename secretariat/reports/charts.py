"""Charts drawn on the server, as SVG: no JavaScript, nothing fetched, readable
offline and under a content security policy without inline scripts or styles.

Python works out the geometry here; ``templates/includes/chart.html`` writes the
markup, so every label goes through the template's escaping. Colours and line
patterns are classes in ``static/css/app.css``. Each chart carries its figures
for a table beside it, for those who cannot see the picture.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from secretariat.kernel.formatting import eur, grouped

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 72, 16, 44, 44


def format_eur(value) -> str:
    """Money for people: EUR 1,250,000.00 (as everywhere)."""
    return eur(value)


def format_count(value) -> str:
    """A count for people: 30,000 (30 000 in Ukrainian)."""
    return grouped(int(value or 0))


def _compact(value: float) -> str:
    """An axis label: 2.5M, 750k, 40."""
    size = abs(value)
    for limit, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}"


def _nice_step(span: float, *, whole: bool, ticks: int = 4) -> float:
    """A round step for about ``ticks`` gridlines; a whole number for counts."""
    raw = span / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    multiples = (1, 2, 5, 10) if whole else (1, 2, 2.5, 5, 10)
    step = next(m * magnitude for m in multiples if raw <= m * magnitude)
    return max(step, 1) if whole else step


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    values: Sequence


@dataclass(frozen=True)
class Gridline:
    y: float
    label: str
    is_zero: bool


@dataclass(frozen=True)
class Tick:
    x: float
    month: str
    year: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    tip: str


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    tip: str


@dataclass(frozen=True)
class Line:
    css: str
    points: str
    dots: list[Point]


@dataclass(frozen=True)
class LegendItem:
    x: float
    css: str
    label: str


@dataclass(frozen=True)
class Row:
    label: str
    values: list[str]


@dataclass(frozen=True)
class Chart:
    id: str
    kind: str
    title: str
    summary: str
    unit: str
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    gridlines: list[Gridline]
    ticks: list[Tick]
    bars: list[Bar]
    lines: list[Line]
    legend: list[LegendItem]
    headers: list[str]
    rows: list[Row]
    totals: list[str]


def monthly_chart(
    *,
    chart_id: str,
    kind: str,
    title: str,
    unit: str,
    months: Sequence[date],
    series: Sequence[Series],
    fmt: Callable[[object], str],
) -> Chart:
    """A bar chart (``kind="bar"``, series side by side) or a line chart
    (``kind="line"``) of values per month."""
    if kind not in {"bar", "line"}:
        raise ValueError(f"Unknown chart kind {kind!r}")
    count = max(len(months), 1)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    values = [float(v) for s in series for v in s.values] or [0.0]
    whole = all(isinstance(v, int) for s in series for v in s.values)
    low, high = min(0.0, *values), max(0.0, *values)
    if high == low:  # nothing happened: an empty chart with a plain scale
        high = low + 4
    step = _nice_step(high - low, whole=whole)
    low = math.floor(low / step) * step
    high = math.ceil(high / step) * step

    def y_of(value) -> float:
        return round(TOP + plot_h * (high - float(value)) / (high - low), 1)

    gridlines = []
    tick = low
    while tick <= high + step / 2:
        gridlines.append(Gridline(y_of(tick), _compact(tick), abs(tick) < step / 2))
        tick += step

    slot = plot_w / count
    ticks = [
        Tick(
            x=round(LEFT + slot * (i + 0.5), 1),
            month=date_format(month, "M"),
            year=date_format(month, "Y") if i == 0 or month.month == 1 else "",
        )
        for i, month in enumerate(months)
    ]
    month_names = [date_format(month, "M Y") for month in months]

    bars, lines = [], []
    if kind == "bar":
        width = slot * 0.8 / max(len(series), 1)
        for s_index, s in enumerate(series):
            for i, value in enumerate(s.values):
                if not value:
                    continue
                top, bottom = y_of(max(value, 0)), y_of(min(value, 0))
                bars.append(
                    Bar(
                        x=round(LEFT + slot * (i + 0.1) + width * s_index, 1),
                        y=top,
                        width=round(width, 1),
                        height=round(bottom - top, 1),
                        css=f"series-{s_index + 1}",
                        tip=f"{month_names[i]}, {s.label}: {fmt(value)}",
                    )
                )
    else:
        for s_index, s in enumerate(series):
            dots = [
                Point(
                    x=ticks[i].x,
                    y=y_of(value),
                    tip=f"{month_names[i]}, {s.label}: {fmt(value)}",
                )
                for i, value in enumerate(s.values)
            ]
            lines.append(
                Line(
                    css=f"series-{s_index + 1}",
                    points=" ".join(f"{d.x},{d.y}" for d in dots),
                    dots=dots,
                )
            )

    legend = []
    x = LEFT
    for s_index, s in enumerate(series):
        legend.append(LegendItem(x=x, css=f"series-{s_index + 1}", label=s.label))
        x += 24 + 8 * len(s.label)

    totals = [fmt(sum(s.values)) for s in series]
    summary = _(
        "%(title)s, %(first)s to %(last)s. Totals over the period: %(totals)s."
    ) % {
        "title": title,
        "first": month_names[0] if month_names else "",
        "last": month_names[-1] if month_names else "",
        "totals": "; ".join(
            f"{s.label} {total}" for s, total in zip(series, totals, strict=True)
        ),
    }
    return Chart(
        id=chart_id,
        kind=kind,
        title=title,
        summary=summary,
        unit=unit,
        width=WIDTH,
        height=HEIGHT,
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_top=TOP,
        plot_bottom=HEIGHT - BOTTOM,
        gridlines=gridlines,
        ticks=ticks,
        bars=bars,
        lines=lines,
        legend=legend,
        headers=[s.label for s in series],
        rows=[
            Row(month_names[i], [fmt(s.values[i]) for s in series])
            for i in range(len(months))
        ],
        totals=totals,
    )
