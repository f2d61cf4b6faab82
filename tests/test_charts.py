"""Wall charts (pure): a figure is built once per distinct input, since the wall redraws every second."""

from __future__ import annotations

import json
from typing import Any

import plotly.graph_objects as go
import pytest
from plotly.utils import PlotlyJSONEncoder

from layouts import charts
from layouts.charts import lines, stacked_bars

HOURS = ["08", "09", "10"]


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The font size of every plotly figure the chart module builds from now on (an empty cache first)."""
    calls: list[float] = []
    build = charts.themed_figure

    def counted(traces: Any, font: float, **layout: Any) -> go.Figure:
        calls.append(font)
        return build(traces, font, **layout)

    monkeypatch.setattr(charts, "themed_figure", counted)
    charts._lines.cache_clear()
    charts._stacked_bars.cache_clear()
    return calls


def _json(figure: charts.Figure) -> str:
    return json.dumps(figure, cls=PlotlyJSONEncoder, sort_keys=True)  # what Dash sends to the browser


def test_the_same_data_gives_the_same_figure_without_building_it_again(builds: list[float]) -> None:
    first = _json(lines(HOURS, {"North garage": [12.0, None, 9.5]}, 14.0))
    assert _json(lines(list(HOURS), {"North garage": (12.0, None, 9.5)}, 14.0)) == first
    assert len(builds) == 1, "the same data again is not built again"
    assert json.loads(first)["data"][0]["y"] == [12.0, None, 9.5]
    changed = lines(HOURS, {"North garage": [12.0, 4.0, 9.5]}, 14.0)
    bigger = lines(HOURS, {"North garage": [12.0, None, 9.5]}, 28.0)
    assert list(changed["data"][0]["y"]) == [12.0, 4.0, 9.5]
    assert bigger["layout"]["font"]["size"] == 28.0 and json.loads(first)["layout"]["font"]["size"] == 14.0
    assert builds == [14.0, 14.0, 28.0], "other data or another screen size is a new figure"


def test_stacked_bars_scale_to_the_busiest_hour_and_show_empty_hours(builds: list[float]) -> None:
    bars = stacked_bars(HOURS, {"Danger zone": [1, 0, 3], "Fire": [2, 0, 0]}, 14.0)
    assert _json(stacked_bars(HOURS, {"Danger zone": (1, 0, 3), "Fire": (2, 0, 0)}, 14.0)) == _json(bars)
    assert len(builds) == 1
    assert [trace["name"] for trace in bars["data"]] == ["Danger zone", "Fire"]
    assert bars["layout"]["yaxis"]["range"] == [0, 3 * 1.05] and bars["layout"]["yaxis"]["dtick"] == 1
    empty = stacked_bars(HOURS, {}, 14.0)
    assert list(empty["data"][0]["x"]) == HOURS and empty["layout"]["showlegend"] is False
