"""The geometry of the small sustainability chart on the case page: an inline
SVG drawn by the template from these numbers (no JavaScript, no CDN)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from common import formats

from .models import Dimension

WIDTH, HEIGHT = 520, 220
LEFT, RIGHT, TOP, BOTTOM = 70, 60, 14, 34

SERIES = [
    ("composite", _("Composite")),
    (Dimension.ECONOMIC, Dimension.ECONOMIC.label),
    (Dimension.SOCIAL, Dimension.SOCIAL.label),
    (Dimension.PSYCHOSOCIAL, Dimension.PSYCHOSOCIAL.label),
]


@dataclass
class Series:
    key: str
    label: str
    points: list[tuple[float, float]] = field(default_factory=list)

    @property
    def polyline(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.points)


@dataclass
class Chart:
    width: int
    height: int
    series: list[Series]
    labels: list[tuple[float, str]]
    grid: list[tuple[float, str]]
    drops: list[tuple[float, float]]
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT


def _label(visit) -> str:
    if visit.months_after_arrival:
        return str(_("%(months)s months") % {"months": visit.months_after_arrival})
    return formats.short_day(visit.done_on or visit.due_on)


def _y(score: Decimal) -> float:
    return TOP + (1 - float(score)) * (HEIGHT - TOP - BOTTOM)


def score_chart(surveys) -> Chart | None:
    """`surveys`: the case's SurveyResponses in the order of the visits, each
    with its visit. None when there is nothing to draw."""
    surveys = list(surveys)
    if not surveys:
        return None
    span = WIDTH - LEFT - RIGHT
    step = span / (len(surveys) - 1) if len(surveys) > 1 else 0
    xs = [LEFT + (i * step if len(surveys) > 1 else span / 2) for i in range(len(surveys))]
    series = [Series(key=key, label=str(label),
                     points=[(x, _y(getattr(s, key))) for x, s in zip(xs, surveys, strict=True)])
              for key, label in SERIES]
    threshold = Decimal(str(settings.REINTEGRATION_SCORE_DROP_ALERT))
    drops = [(x, _y(s.composite)) for x, s in zip(xs, surveys, strict=True)
             if s.drop is not None and s.drop > threshold]
    labels = [(x, _label(s.visit)) for x, s in zip(xs, surveys, strict=True)]
    grid = [(_y(Decimal(v)), v) for v in ("0", "0.5", "1")]
    return Chart(width=WIDTH, height=HEIGHT, series=series, labels=labels, grid=grid,
                 drops=drops)
