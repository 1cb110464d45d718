"""Charts drawn on the server as inline SVG (no JavaScript, no CDN): the
geometry is computed here, the SVG written by templates/reporting/_bar_chart.html
and _line_chart.html, the project's way (reintegration/charts.py).

Each chart carries its text alternative (a title and a description read by
screen readers) and is shown beside the table it draws. A hidden small count
is drawn as no bar, labelled with its mark ("<5"): a bar's length would give
the count away."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

BAR_ROW = 26
BAR_LEFT = 170
BAR_RIGHT = 60
BAR_WIDTH = 560
LINE_WIDTH, LINE_HEIGHT = 560, 240
LINE_LEFT, LINE_RIGHT, LINE_TOP, LINE_BOTTOM = 50, 20, 14, 40
# Presentation attributes, not CSS: the strict CSP forbids style="", and the
# chart looks the same wherever it is embedded (the donor PDF too). Colours
# told apart by people with the common colour-vision deficiencies (Okabe-Ito),
# lines told apart by their dashes too.
COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]
DASHES = ["", "6 3", "2 3", "8 2 2 2", "4 4", "1 2"]


@dataclass
class Bar:
    label: str
    text: str
    y: float
    width: float
    hidden: bool

    @property
    def text_x(self) -> float:
        return BAR_LEFT + self.width + 6


@dataclass
class BarChart:
    key: str
    title: str
    description: str
    bars: list[Bar]
    width: int = BAR_WIDTH
    left: int = BAR_LEFT
    bar_height: int = BAR_ROW - 8

    @property
    def height(self) -> int:
        return max(len(self.bars), 1) * BAR_ROW + 8


def bar_chart(*, key: str, title: str, values: list[tuple[str, float | None, str]],
              unit: str = "") -> BarChart | None:
    """values: (label, value or None when hidden, text shown) per bar."""
    if not values:
        return None
    top = max((v for _l, v, _t in values if v is not None), default=0) or 1
    span = BAR_WIDTH - BAR_LEFT - BAR_RIGHT
    bars = [Bar(label=str(label), text=text, y=4 + i * BAR_ROW,
                width=0 if value is None else round(span * float(value) / float(top), 1),
                hidden=value is None)
            for i, (label, value, text) in enumerate(values)]
    parts = [f"{label}: {text}{unit}" for label, _v, text in values]
    description = _("Bar chart. %(items)s.") % {"items": "; ".join(parts)}
    return BarChart(key=key, title=title, description=description, bars=bars)


@dataclass
class Line:
    label: str
    index: int
    points: list[tuple[float, float, str]] = field(default_factory=list)

    @property
    def colour(self) -> str:
        return COLOURS[self.index]

    @property
    def dash(self) -> str:
        return DASHES[self.index]

    @property
    def polyline(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _t in self.points)


@dataclass
class LineChart:
    key: str
    title: str
    description: str
    lines: list[Line]
    x_labels: list[tuple[float, str]]
    grid: list[tuple[float, str]]
    width: int = LINE_WIDTH
    height: int = LINE_HEIGHT
    left: int = LINE_LEFT
    right_edge: int = LINE_WIDTH - LINE_RIGHT


def line_chart(*, key: str, title: str, x_labels: list[str],
               series: list[tuple[str, list[float | None]]], y_max: float | None = None,
               y_format: str = "{:g}") -> LineChart | None:
    """series: (label, one value per x label, None where hidden or missing)."""
    if not x_labels or not series:
        return None
    values = [v for _l, vs in series for v in vs if v is not None]
    top = y_max if y_max is not None else (max(values, default=0) or 1)
    span_x = LINE_WIDTH - LINE_LEFT - LINE_RIGHT
    span_y = LINE_HEIGHT - LINE_TOP - LINE_BOTTOM
    count = len(x_labels)
    xs = [LINE_LEFT + (span_x * i / (count - 1) if count > 1 else span_x / 2)
          for i in range(count)]

    def y(value: float) -> float:
        return LINE_TOP + (1 - float(value) / float(top)) * span_y

    lines = []
    parts = []
    for index, (label, vs) in enumerate(series):
        points = [(xs[i], y(v), y_format.format(v)) for i, v in enumerate(vs) if v is not None]
        lines.append(Line(label=str(label), index=index % 6, points=points))
        described = ", ".join(f"{x_labels[i]} {y_format.format(v) if v is not None else '–'}"
                              for i, v in enumerate(vs))
        parts.append(f"{label}: {described}")
    grid = [(y(top * f), y_format.format(top * f)) for f in (0, 0.5, 1)]
    description = _("Line chart. %(items)s.") % {"items": "; ".join(parts)}
    # At most about eight labels under the axis, so they do not overlap (the
    # description and the table beside the chart name every point).
    step = -(-count // 8)
    shown = [(x, str(label)) for i, (x, label) in enumerate(zip(xs, x_labels, strict=True))
             if i % step == 0]
    return LineChart(key=key, title=title, description=description, lines=lines,
                     x_labels=shown, grid=grid)
