"""Charts are drawn on the server, say in words what they show, and draw no
bar for a hidden small count."""

import pytest
from django.template.loader import render_to_string

from reporting.charts import bar_chart, line_chart
from reporting.tables import Table


def test_a_bar_chart_describes_every_bar_and_draws_none_for_a_hidden_count():
    table = Table(title="Awards by country", row_header="Country", columns=["Awards"],
                  rows=[("Senegal", [3]), ("Benin", [30]), ("Ghana", [60])])
    chart = bar_chart(key="awards", title="Awards by country",
                      values=table.chart_values(0, limit=5))
    assert [bar.hidden for bar in chart.bars] == [True, True, False]
    assert chart.bars[2].width > 0
    html = render_to_string("reporting/_bar_chart.html", {"chart": chart})
    assert html.count("<rect") == 1
    assert 'role="img"' in html and "<title" in html and "<desc" in html
    assert "Senegal: &lt;5" in html and "Ghana: 60" in html
    assert "style=" not in html and "<script" not in html


def test_a_line_chart_has_one_line_per_series_and_a_description():
    chart = line_chart(key="trend", title="Applications per year", x_labels=["2025", "2026"],
                       series=[("Applications", [120, 180]), ("Awards", [40, None])])
    assert len(chart.lines) == 2
    assert len(chart.lines[1].points) == 1
    html = render_to_string("reporting/_line_chart.html", {"chart": chart})
    assert html.count("<polyline") == 2
    assert "Applications: 2025 120, 2026 180" in html
    assert "style=" not in html


@pytest.mark.parametrize("empty", [[], None])
def test_nothing_to_draw_gives_no_chart(empty):
    assert bar_chart(key="k", title="t", values=empty or []) is None
    assert line_chart(key="k", title="t", x_labels=[], series=[]) is None


def test_a_long_axis_labels_about_eight_points_but_describes_them_all():
    months = [f"2031-{m:02d}" for m in range(1, 13)]
    chart = line_chart(key="m", title="Returns", x_labels=months,
                       series=[("Returns", list(range(12)))])
    assert [label for _x, label in chart.x_labels] == months[::2]
    assert "2031-12 11" in chart.description
