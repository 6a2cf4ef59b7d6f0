"""Server-side SVG geometry for small charts: no JavaScript library, no CDN, works offline."""
from dataclasses import dataclass

WIDTH, HEIGHT, PAD_LEFT, PAD_RIGHT, PAD_Y = 560, 170, 40, 12, 18


@dataclass(frozen=True)
class TrendChart:
    """Coordinates of an alpha-per-week line with its interval band, ready for a template."""

    width: int
    height: int
    line: str  # "x,y x,y ..." for <polyline>
    band: str  # closed polygon of the interval
    points: list[tuple[float, float, str, str]]  # x, y, week label, value label
    y_ticks: list[tuple[float, str]]
    x_labels: list[tuple[float, str]]


def alpha_trend_chart(weeks: list) -> TrendChart | None:
    """Alpha per week (objects with week, alpha, alpha_low, alpha_high); None with no usable week."""
    usable = [w for w in weeks if w.alpha is not None]
    if not usable:
        return None
    lows = [w.alpha_low if w.alpha_low is not None else w.alpha for w in usable]
    highs = [w.alpha_high if w.alpha_high is not None else w.alpha for w in usable]
    bottom, top = min(0.0, *lows), max(1.0, *highs)
    step = (WIDTH - PAD_LEFT - PAD_RIGHT) / max(len(usable) - 1, 1)

    def x(i: int) -> float:
        return round(PAD_LEFT + (i * step if len(usable) > 1 else (WIDTH - PAD_LEFT - PAD_RIGHT) / 2), 1)

    def y(value: float) -> float:
        return round(PAD_Y + (top - value) / (top - bottom) * (HEIGHT - 2 * PAD_Y), 1)

    line = " ".join(f"{x(i)},{y(w.alpha)}" for i, w in enumerate(usable))
    upper = [f"{x(i)},{y(h)}" for i, h in enumerate(highs)]
    lower = [f"{x(i)},{y(lo)}" for i, lo in reversed(list(enumerate(lows)))]
    points = [(x(i), y(w.alpha), w.week.isoformat(), f"{w.alpha:.2f}") for i, w in enumerate(usable)]
    ticks = [(y(v), f"{v:.1f}") for v in (bottom, 0.0, 0.5, 0.8, 1.0) if bottom <= v <= top]
    every = max(1, len(usable) // 6)
    labels = [(x(i), w.week.strftime("%d %b")) for i, w in enumerate(usable) if i % every == 0]
    return TrendChart(WIDTH, HEIGHT, line, " ".join(upper + lower), points, sorted(set(ticks)), labels)
