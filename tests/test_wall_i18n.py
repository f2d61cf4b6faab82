"""The wall's labels: every one in zh-CN and in en, and the formatting helpers the panels use."""

from __future__ import annotations

import string
from enum import StrEnum

import pytest

from layouts.format import age_text, waiting_clock
from layouts.i18n import LANGUAGES, TERMS, TEXT, normalize_language, t, term
from ops_center import vocabulary
from ops_center.lifecycle import Status
from ops_center.vocabulary import (
    AlarmKind,
    BusinessFormat,
    CameraHealthState,
    CameraState,
    Congestion,
    FireState,
    GuardStatus,
    ModelStatus,
    Severity,
)

# Each closed set and the group of TERMS that names its members.
NAMED_SETS: list[tuple[type[StrEnum], str]] = [
    (Status, "alarm_status"),
    (AlarmKind, "alarm_kind"),
    (Severity, "severity"),
    (CameraState, "camera_state"),
    (CameraHealthState, "camera_state"),
    (ModelStatus, "model_status"),
    (FireState, "fire_state"),
    (GuardStatus, "guard_status"),
    (BusinessFormat, "business_format"),
    (Congestion, "congestion"),
]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(TEXT))
def test_every_label_exists_in_both_languages_with_the_same_placeholders(key: str) -> None:
    texts = TEXT[key]
    assert set(texts) == set(LANGUAGES)
    assert all(texts[lang].strip() for lang in LANGUAGES)
    assert len({frozenset(_fields(texts[lang])) for lang in LANGUAGES}) == 1, texts


def test_every_term_exists_in_both_languages() -> None:
    for group, values in TERMS.items():
        for value, names in values.items():
            assert set(names) == set(LANGUAGES) and all(names.values()), (group, value)


@pytest.mark.parametrize(("enum", "group"), NAMED_SETS, ids=[e.__name__ for e, _ in NAMED_SETS])
def test_every_member_of_every_closed_set_has_a_name_in_both_languages(enum: type[StrEnum], group: str) -> None:
    for member in enum:
        names = TERMS[group].get(member)
        assert names is not None, f"{enum.__name__}.{member.name} has no term in {group!r}"
        assert set(names) == set(LANGUAGES) and all(n.strip() for n in names.values()), (group, member)
        assert {term(group, member, lang) for lang in LANGUAGES} == set(names.values())


def test_every_closed_set_of_the_vocabulary_is_in_that_list() -> None:
    sets = {v for v in vars(vocabulary).values() if isinstance(v, type) and issubclass(v, StrEnum) and v is not StrEnum}
    assert sets and sets <= {enum for enum, _ in NAMED_SETS}, sorted(s.__name__ for s in sets)


def test_a_congestion_figure_names_its_level() -> None:
    levels = [Congestion.of(n) for n in (-1, 0, 1, 2, 3, 4, 9)]
    assert levels == [Congestion.FREE, *Congestion, Congestion.JAMMED]


def test_labels_format_and_unknown_values_fall_back_readably() -> None:
    assert t("cameras.online", "en", n=2, total=3) == "2/3 online"
    assert t("cameras.online", "zh-CN", n=2, total=3) == "在线 2/3"
    assert term("fire_state", "pre_alarm", "en") == "pre-alarm"
    assert term("fire_state", "pre_alarm", "zh-CN") == "预警"
    assert term("alarm_kind", "gas_leak", "en") == "gas leak"
    assert normalize_language("fr") == "zh-CN" and normalize_language("en") == "en"


@pytest.mark.parametrize(
    ("seconds", "en", "zh"),
    [(0, "0 s", "0秒"), (59.9, "59 s", "59秒"), (60, "1 min", "1分钟"), (7199, "1 h", "1小时"), (90000, "1 d", "1天")],
)
def test_ages_read_in_the_largest_whole_unit(seconds: float, en: str, zh: str) -> None:
    assert age_text(seconds, "en") == en and age_text(seconds, "zh-CN") == zh


def test_the_waiting_clock_counts_minutes_then_hours() -> None:
    assert waiting_clock(5) == "0:05"
    assert waiting_clock(312) == "5:12"
    assert waiting_clock(3723) == "1:02:03"
