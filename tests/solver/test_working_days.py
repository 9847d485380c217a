"""Working days come from the instance's calendar alone."""

from datetime import date

from solver.calendar import working_days, working_days_between
from solver.instance import parse_instance
from tests.solver.examples import document


def test_weekdays_minus_holidays_plus_make_up_days():
    doc = document(window={"start": "2027-03-05", "end": "2027-03-15"},
                   calendar={"holidays": ["2027-03-08", "2027-04-05"], "workdays": ["2027-03-13"]})
    days = working_days(parse_instance(doc))
    assert days == (date(2027, 3, 5), date(2027, 3, 9), date(2027, 3, 10), date(2027, 3, 11),
                    date(2027, 3, 12), date(2027, 3, 13), date(2027, 3, 15))


def test_window_of_one_day_and_missing_calendar():
    doc = document(window={"start": "2027-03-03", "end": "2027-03-03"})
    del doc["calendar"]
    assert working_days(parse_instance(doc)) == (date(2027, 3, 3),)


def test_make_up_day_listed_as_holiday_too_is_worked():
    day = date(2027, 3, 6)
    assert working_days_between(day, day, frozenset({day}), frozenset({day})) == (day,)


def test_a_weekend_is_empty():
    assert working_days_between(date(2027, 3, 6), date(2027, 3, 7), frozenset(), frozenset()) == ()
