"""A grouped bar chart of cases opened and closed per week, drawn as server-side SVG."""

from __future__ import annotations

import math
from dataclasses import dataclass

from web.dashboard.figures import WeekCount

WIDTH, HEIGHT = 760, 280
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 16, 56


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    kind: str  # opened | closed
    title: str


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class Label:
    x: float
    text: str


@dataclass(frozen=True)
class WeeklyChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    baseline: float
    bars: list[Bar]
    ticks: list[Tick]
    labels: list[Label]


def _nice_step(rough: float) -> int:
    """1, 2 or 5 times a power of ten, at least `rough` (and at least 1)."""
    if rough <= 1:
        return 1
    power = 10 ** math.floor(math.log10(rough))
    return next(int(m * power) for m in (1, 2, 5, 10) if m * power >= rough)


def weekly_chart(weeks: list[WeekCount]) -> WeeklyChart:
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    largest = max([w.opened for w in weeks] + [w.closed for w in weeks] + [1])
    step = _nice_step(largest / 4)
    top_value = math.ceil(largest / step) * step
    baseline = TOP + plot_height
    group = plot_width / max(len(weeks), 1)
    bar_width = group * 0.36

    def height(value: int) -> float:
        return round(value / top_value * plot_height, 1)

    bars, labels = [], []
    for i, week in enumerate(weeks):
        x0 = LEFT + i * group
        day = f"{week.start.month}/{week.start.day}"
        for offset, kind, value, verb in ((0.12, "opened", week.opened, "受付"),
                                          (0.52, "closed", week.closed, "完了・取消")):
            h = height(value)
            bars.append(Bar(round(x0 + group * offset, 1), round(baseline - h, 1), round(bar_width, 1), h, kind,
                            f"{day}の週 {verb} {value}件"))
        labels.append(Label(round(x0 + group / 2, 1), day))
    ticks = [Tick(round(baseline - height(v), 1), v) for v in range(0, top_value + 1, step)]
    return WeeklyChart(WIDTH, HEIGHT, LEFT, RIGHT, TOP, baseline, bars, ticks, labels)
