"""Wall charts (pure): a figure is built once per distinct input, since the wall redraws every second."""

from __future__ import annotations

import json

from plotly.utils import PlotlyJSONEncoder

from layouts.charts import lines, stacked_bars

HOURS = ["08", "09", "10"]


def test_the_same_data_gives_the_same_figure_without_building_it_again() -> None:
    first = lines(HOURS, {"North garage": [12.0, None, 9.5]}, 14.0)
    assert lines(list(HOURS), {"North garage": (12.0, None, 9.5)}, 14.0) is first
    assert list(first["data"][0]["y"]) == [12.0, None, 9.5]
    changed = lines(HOURS, {"North garage": [12.0, 4.0, 9.5]}, 14.0)
    assert changed is not first and list(changed["data"][0]["y"]) == [12.0, 4.0, 9.5]
    bigger = lines(HOURS, {"North garage": [12.0, None, 9.5]}, 28.0)
    assert bigger["layout"]["font"]["size"] == 28.0 and first["layout"]["font"]["size"] == 14.0


def test_stacked_bars_scale_to_the_busiest_hour_and_show_empty_hours() -> None:
    bars = stacked_bars(HOURS, {"Danger zone": [1, 0, 3], "Fire": [2, 0, 0]}, 14.0)
    assert stacked_bars(HOURS, {"Danger zone": [1, 0, 3], "Fire": [2, 0, 0]}, 14.0) is bars
    assert [trace["name"] for trace in bars["data"]] == ["Danger zone", "Fire"]
    assert bars["layout"]["yaxis"]["range"] == [0, 3 * 1.05] and bars["layout"]["yaxis"]["dtick"] == 1
    empty = stacked_bars(HOURS, {}, 14.0)
    assert list(empty["data"][0]["x"]) == HOURS and empty["layout"]["showlegend"] is False
    json.dumps(bars, cls=PlotlyJSONEncoder)  # what Dash sends to the browser
