import pytest

from mrm_observe.durations import format_duration, parse_duration


@pytest.mark.parametrize("text, seconds", [
    pytest.param("30s", 30, id="seconds"),
    pytest.param("5m", 300, id="minutes"),
    pytest.param("1h30m", 5400, id="compound hours and minutes"),
    pytest.param("30d", 2_592_000, id="days"),
    pytest.param("1w", 604_800, id="weeks"),
    pytest.param("500ms", 0.5, id="milliseconds"),
])
def test_parses_prometheus_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "5 m", "1m1h", "-5m", "5x", "m"])
def test_rejects_what_prometheus_rejects_and_says_what_is_right(text):
    with pytest.raises(ValueError, match="descending order, e.g. 30s, 5m"):
        parse_duration(text)


@pytest.mark.parametrize("seconds, text", [(300, "5m"), (5400, "1h30m"), (2_592_000, "30d"), (90_061, "1d1h1m1s")])
def test_formats_the_shortest_duration(seconds, text):
    assert format_duration(seconds) == text
    assert parse_duration(text) == seconds
