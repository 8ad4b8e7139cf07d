"""The business calendar: property-based tests of the arithmetic across holidays, half days and
institution days, known examples, the models' validation, and the pages and API."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bilge.core.calendar import (
    DEFAULT_WEEK,
    HALF_DAY,
    NON_WORKING,
    WORKING,
    BusinessCalendar,
    CalendarException,
    official_days,
    parse_periods,
    week_from_data,
)

IST = ZoneInfo("Europe/Istanbul")
D = dt.date

# An institution's days around the 2026 Kurban Bayramı (arife Tue 26 May, Bayram 27–30 May):
# administrative leave on Monday 25 May, made up on Saturday 6 June; a half day on 31 December;
# and a working day on a holiday (1 January 2027), to test that the institution wins.
INSTITUTION_DAYS = (
    CalendarException(D(2026, 5, 25), NON_WORKING, "İdari izin"),
    CalendarException(D(2026, 6, 6), WORKING, "Telafi çalışması"),
    CalendarException(D(2026, 12, 31), HALF_DAY, "Yılsonu"),
    CalendarException(D(2027, 1, 1), WORKING, "Nöbet"),
    CalendarException(D(2025, 10, 27), NON_WORKING, "İdari izin (Cumhuriyet Bayramı köprüsü)"),
)
DEFAULT = BusinessCalendar(time_zone="Europe/Istanbul")
INSTITUTION = BusinessCalendar(time_zone="Europe/Istanbul", days=INSTITUTION_DAYS)
# A calendar in a zone with clock changes, open around the clock on weekdays (the changes in
# Europe/Berlin happen on Sunday nights, so Sunday is worked too).
BERLIN = BusinessCalendar(week=(((0, 1440),),) * 7, time_zone="Europe/Berlin", use_official_holidays=False)
CALENDARS = [DEFAULT, INSTITUTION, BERLIN]

# Dates the properties start around: Ramazan and Kurban Bayramı, 28/29 Ekim, 1 Ocak, and the
# institution's days.
ANCHORS = [
    D(2025, 3, 29), D(2025, 6, 5), D(2026, 3, 19), D(2026, 5, 26), D(2027, 3, 9), D(2027, 5, 15),
    D(2024, 10, 28), D(2025, 10, 28), D(2026, 10, 28), D(2027, 10, 28),
    D(2025, 1, 1), D(2026, 1, 1), D(2027, 1, 1), D(2025, 12, 31),
    D(2026, 5, 25), D(2026, 6, 6), D(2026, 12, 31), D(2025, 10, 27),
    D(2026, 3, 29), D(2026, 10, 25),  # clock changes in Berlin
]

@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in English (the msgids), whatever the installation's language."""
    with translation.override("en"):
        yield


FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def moments(draw):
    """Aware datetimes near an anchor (±10 days) or anywhere in 2024–2028, to the microsecond."""
    if draw(st.booleans()):
        day = draw(st.sampled_from(ANCHORS)) + dt.timedelta(days=draw(st.integers(-10, 10)))
    else:
        day = D(2024, 1, 1) + dt.timedelta(days=draw(st.integers(0, 5 * 365)))
    # Often exactly on a boundary minute (08:30, 12:00, 13:00, 17:30 …), sometimes anywhere.
    minute = draw(st.one_of(st.sampled_from([0, 510, 720, 780, 1050, 1439]), st.integers(0, 1439)))
    micro = draw(st.one_of(st.just(0), st.integers(0, 59_999_999)))
    local = dt.datetime(day.year, day.month, day.day) + dt.timedelta(minutes=minute, microseconds=micro)
    return local.replace(tzinfo=IST)


minute_counts = st.one_of(st.integers(0, 600), st.integers(0, 30_000), st.sampled_from([0, 1, 210, 450, 480]))
calendars = st.sampled_from(CALENDARS)


def utc(moment):
    """Compare instants in UTC: Python never finds an aware datetime in a repeated hour (autumn
    clock change) equal to one in another zone (PEP 495), even for the same instant."""
    return moment.astimezone(dt.UTC)


def _interval_ends(calendar, moment):
    local = moment.astimezone(calendar.tz)
    return {utc(end) for _start, end in calendar.working_intervals(local.date())}


def _reference_minutes(calendar, start, end):
    """Working time between two moments, summed naively from the day rules (day_info), not from
    the cumulative tables the calendar uses."""
    total = dt.timedelta()
    tz = calendar.tz
    day = start.astimezone(tz).date() - dt.timedelta(days=1)
    while day <= end.astimezone(tz).date() + dt.timedelta(days=1):
        midnight = dt.datetime(day.year, day.month, day.day)
        for s, e in calendar.day_info(day).periods:
            a = utc((midnight + dt.timedelta(minutes=s)).replace(tzinfo=tz))
            b = utc((midnight + dt.timedelta(minutes=e)).replace(tzinfo=tz))
            lo, hi = max(a, utc(start)), min(b, utc(end))  # in UTC: real, not wall-clock, differences
            if hi > lo:
                total += hi - lo
        day += dt.timedelta(days=1)
    return total


# --- properties -----------------------------------------------------------------------------------

@FAST
@given(calendars, moments(), minute_counts)
def test_result_is_working_time_or_exactly_a_period_end(calendar, start, minutes):
    due = calendar.add_business_minutes(start, minutes)
    assert due >= start
    if minutes == 0:
        assert utc(due) == utc(start)
    else:
        assert calendar.is_working_time(due) or utc(due) in _interval_ends(calendar, due)


@FAST
@given(calendars, moments(), minute_counts)
def test_minutes_between_a_start_and_its_due_time_are_the_minutes_added(calendar, start, minutes):
    due = calendar.add_business_minutes(start, minutes)
    assert calendar.business_minutes_between(start, due) == minutes
    assert calendar.business_minutes_between(due, start) == -minutes
    assert calendar.business_duration(start, due) == dt.timedelta(minutes=minutes)


@FAST
@given(calendars, moments(), minute_counts, minute_counts)
def test_adding_is_additive(calendar, start, a, b):
    assert utc(calendar.add_business_minutes(calendar.add_business_minutes(start, a), b)) == \
        utc(calendar.add_business_minutes(start, a + b))


@FAST
@given(calendars, moments(), moments(), minute_counts, minute_counts)
def test_adding_is_monotonic(calendar, s1, s2, a, b):
    s1, s2 = sorted((s1, s2))
    a, b = sorted((a, b))
    assert calendar.add_business_minutes(s1, a) <= calendar.add_business_minutes(s1, b)
    assert calendar.add_business_minutes(s1, a) <= calendar.add_business_minutes(s2, a)
    assert calendar.business_minutes_between(s1, s2) >= 0


@FAST
@given(calendars, moments())
def test_zero_minutes_is_identity_and_next_working_moment_is_the_start_of_the_count(calendar, start):
    assert utc(calendar.add_business_minutes(start, 0)) == utc(start)
    nxt = calendar.next_working_moment(start)
    assert nxt >= start and calendar.is_working_time(nxt)
    assert calendar.business_duration(start, nxt) == dt.timedelta(0)
    if calendar.is_working_time(start):
        assert utc(nxt) == utc(start)
    # One minute from anywhere is one minute after the next working moment.
    assert utc(calendar.add_business_minutes(start, 1)) == utc(calendar.add_business_minutes(nxt, 1))


@FAST
@given(calendars, moments(), st.integers(0, 4 * 24 * 60))
def test_minutes_between_match_a_naive_sum_over_the_days(calendar, start, span_minutes):
    end = start + dt.timedelta(minutes=span_minutes, seconds=17)
    assert calendar.business_duration(start, end) == _reference_minutes(calendar, start, end)


@FAST
@given(calendars, st.sampled_from(ANCHORS), st.integers(-10, 10))
def test_holidays_and_weekends_contribute_nothing_and_half_days_end_at_13(calendar, anchor, shift):
    day = anchor + dt.timedelta(days=shift)
    start = dt.datetime(day.year, day.month, day.day, tzinfo=calendar.tz)
    end = start + dt.timedelta(days=1)
    minutes = calendar.business_minutes_between(start, end)
    assert minutes == calendar.working_minutes(day)
    if calendar is BERLIN:
        return
    holidays, eves = official_days(day.year)
    own = {d.date: d.kind for d in calendar.days}.get(day)
    if own == NON_WORKING or (own is None and (day in holidays or day.weekday() >= 5)):
        assert minutes == 0 and calendar.working_intervals(day) == ()
    elif own == HALF_DAY or (own is None and day in eves):
        assert all(e.time() <= dt.time(13) for _s, e in calendar.working_intervals(day))
        assert minutes == 210  # 08:30–12:00; the 13:00–17:30 period is not worked
        assert not calendar.is_working_time(start.replace(hour=13, minute=30))
    else:  # an ordinary weekday, or the institution's working day (also on a weekend or holiday)
        assert minutes == 480


def test_property_tests_reach_the_interesting_days():
    kinds = {INSTITUTION.day_info(a + dt.timedelta(days=k)).source for a in ANCHORS for k in range(-10, 11)}
    assert kinds == {"weekly", "official", "institution"}


# --- examples -------------------------------------------------------------------------------------

def at(*args):
    return dt.datetime(*args, tzinfo=IST)


def test_friday_afternoon_tickets_are_due_on_monday():
    # 2026-11-20 is a Friday; the day ends at 17:30.
    assert DEFAULT.add_business_minutes(at(2026, 11, 20, 17, 0), 60) == at(2026, 11, 23, 9, 0)
    assert DEFAULT.add_business_minutes(at(2026, 11, 20, 17, 30), 60) == at(2026, 11, 23, 9, 30)
    assert DEFAULT.add_business_minutes(at(2026, 11, 20, 18, 45), 60) == at(2026, 11, 23, 9, 30)
    # Exactly used up at the end of the day: due at 17:30 on Friday, not at 08:30 on Monday.
    assert DEFAULT.add_business_minutes(at(2026, 11, 20, 17, 0), 30) == at(2026, 11, 20, 17, 30)
    # The lunch break does not count.
    assert DEFAULT.add_business_minutes(at(2026, 11, 19, 11, 30), 60) == at(2026, 11, 19, 13, 30)
    assert DEFAULT.business_minutes_between(at(2026, 11, 20, 17, 0), at(2026, 11, 23, 9, 30)) == 90


def test_ramazan_bayrami_2026_arife_afternoon_and_bayram_are_not_working():
    arife = D(2026, 3, 19)  # Thursday; the Bayram is Friday 20 – Sunday 22 March
    assert DEFAULT.day_info(arife).kind == HALF_DAY
    assert "saat 13.00" in DEFAULT.day_info(arife).name
    assert DEFAULT.working_intervals(arife) == ((at(2026, 3, 19, 8, 30), at(2026, 3, 19, 12, 0)),)
    assert not DEFAULT.is_working_time(at(2026, 3, 19, 14, 0))
    assert DEFAULT.is_working_time(at(2026, 3, 19, 11, 59))
    assert DEFAULT.working_minutes(D(2026, 3, 20)) == 0
    # Two hours from 11:00 on the arife: one before noon, the other on Monday after the Bayram.
    assert DEFAULT.add_business_minutes(at(2026, 3, 19, 11, 0), 120) == at(2026, 3, 23, 9, 30)
    assert DEFAULT.next_working_moment(at(2026, 3, 19, 12, 0)) == at(2026, 3, 23, 8, 30)


def test_cumhuriyet_bayrami_and_new_year():
    assert DEFAULT.working_minutes(D(2026, 10, 28)) == 210  # Wednesday, half day
    assert DEFAULT.working_minutes(D(2026, 10, 29)) == 0
    assert DEFAULT.working_minutes(D(2026, 10, 30)) == 480
    assert DEFAULT.working_minutes(D(2026, 1, 1)) == 0
    assert DEFAULT.add_business_minutes(at(2025, 12, 31, 17, 0), 60) == at(2026, 1, 2, 9, 0)


def test_next_working_day_for_deadlines_ending_on_a_holiday():
    assert DEFAULT.next_working_day(D(2026, 3, 19)) == D(2026, 3, 19)  # a half day is a working day
    assert DEFAULT.next_working_day(D(2026, 3, 20)) == D(2026, 3, 23)  # Bayram, then the weekend
    assert DEFAULT.next_working_day(D(2026, 12, 31)) == D(2026, 12, 31)
    assert DEFAULT.next_working_day(D(2027, 1, 1)) == D(2027, 1, 4)
    assert INSTITUTION.next_working_day(D(2026, 5, 25)) == D(2026, 5, 26)
    assert INSTITUTION.next_working_day(D(2026, 5, 27)) == D(2026, 6, 1)


@FAST
@given(calendars, moments())
def test_next_working_day_is_the_first_day_with_working_time(calendar, moment):
    day = moment.date()
    found = calendar.next_working_day(day)
    assert found >= day and calendar.working_minutes(found) > 0
    assert all(calendar.working_minutes(day + dt.timedelta(days=k)) == 0 for k in range((found - day).days))


def test_a_half_day_eve_that_is_also_a_holiday_is_a_holiday():
    # 28 Ekim 2012 was both the eve of Cumhuriyet Bayramı and a day of Kurban Bayramı (a Sunday,
    # so look at the rule through a calendar that works every day).
    every_day = BusinessCalendar(week=(((510, 1050),),) * 7, time_zone="Europe/Istanbul")
    assert every_day.day_info(D(2012, 10, 28)).kind == NON_WORKING


def test_institution_days_override_the_week_and_the_holidays():
    # Administrative leave on Monday 25 May 2026, the arife is Tuesday 26 May (until 13:00).
    assert INSTITUTION.add_business_minutes(at(2026, 5, 22, 17, 30), 60) == at(2026, 5, 26, 9, 30)
    assert DEFAULT.add_business_minutes(at(2026, 5, 22, 17, 30), 60) == at(2026, 5, 25, 9, 30)
    assert INSTITUTION.working_minutes(D(2026, 5, 25)) == 0
    # The Saturday worked in exchange is a normal day; the half day ends at 13:00.
    assert INSTITUTION.working_minutes(D(2026, 6, 6)) == 480
    assert INSTITUTION.day_info(D(2026, 6, 6)).periods == DEFAULT_WEEK[0]
    assert INSTITUTION.working_minutes(D(2026, 12, 31)) == 210
    # An institution's working day wins over an official holiday.
    assert INSTITUTION.working_minutes(D(2027, 1, 1)) == 480
    assert INSTITUTION.day_info(D(2027, 1, 1)).source == "institution"
    listed = INSTITUTION.exceptions(D(2026, 5, 20), D(2026, 6, 10))
    assert [(i.date, i.kind) for i in listed] == [
        (D(2026, 5, 25), NON_WORKING), (D(2026, 5, 26), HALF_DAY), (D(2026, 5, 27), NON_WORKING),
        (D(2026, 5, 28), NON_WORKING), (D(2026, 5, 29), NON_WORKING), (D(2026, 5, 30), NON_WORKING),
        (D(2026, 6, 6), WORKING)]


def test_half_days_come_from_the_libraries_half_day_category():
    holidays, eves = official_days(2026)
    assert sorted(eves) == [D(2026, 3, 19), D(2026, 5, 26), D(2026, 10, 28)]
    assert all("(saat 13.00'ten)" in name for name in eves.values())
    assert holidays[D(2026, 10, 29)] == "Cumhuriyet Bayramı"
    assert not set(eves) & set(holidays)
    without = BusinessCalendar(time_zone="Europe/Istanbul", use_official_holidays=False)
    assert without.working_minutes(D(2026, 3, 19)) == without.working_minutes(D(2026, 3, 20)) == 480


def test_spans_are_exact_over_ten_years():
    start, end = at(2016, 1, 1), at(2026, 1, 1)
    days = (end.date() - start.date()).days
    expected = sum(DEFAULT.working_minutes(start.date() + dt.timedelta(days=i)) for i in range(days))
    assert DEFAULT.business_minutes_between(start, end) == expected
    assert DEFAULT.add_business_minutes(start, expected) == DEFAULT.working_intervals(D(2025, 12, 31))[-1][1]
    assert DEFAULT.business_minutes_between(end, start) == -expected


def test_clock_changes_are_measured_in_real_time():
    assert BERLIN.working_minutes(D(2026, 3, 29)) == 23 * 60
    assert BERLIN.working_minutes(D(2026, 10, 25)) == 25 * 60
    berlin = ZoneInfo("Europe/Berlin")
    start = dt.datetime(2026, 3, 29, 0, 0, tzinfo=berlin)
    assert BERLIN.add_business_minutes(start, 180) == dt.datetime(2026, 3, 29, 4, 0, tzinfo=berlin)


def test_results_are_in_the_calendars_time_zone_and_inputs_may_be_in_any():
    utc_start = dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC)  # 17:00 in Istanbul
    due = DEFAULT.add_business_minutes(utc_start, 60)
    assert due == at(2026, 11, 23, 9, 0) and due.tzinfo == IST


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        DEFAULT.add_business_minutes(dt.datetime(2026, 1, 5, 9), 10)  # naive
    with pytest.raises(ValueError):
        DEFAULT.add_business_minutes(at(2026, 1, 5, 9), -10)
    with pytest.raises(TypeError):
        DEFAULT.add_business_minutes(at(2026, 1, 5, 9), 1.5)
    closed = BusinessCalendar(week=((),) * 7, time_zone="Europe/Istanbul")
    with pytest.raises(ValueError):
        closed.add_business_minutes(at(2026, 1, 5, 9), 1)


def test_calendars_are_values():
    assert BusinessCalendar(time_zone="Europe/Istanbul") == DEFAULT
    assert hash(BusinessCalendar(time_zone="Europe/Istanbul")) == hash(DEFAULT)
    assert INSTITUTION != DEFAULT
    with pytest.raises(AttributeError):
        DEFAULT.half_day_ends_at = 0


def test_periods_are_parsed_and_checked_with_clear_messages():
    assert parse_periods("08:30-12:00, 13:00–17:30") == ((510, 720), (780, 1050))
    assert parse_periods("") == () and parse_periods("-") == ()
    assert parse_periods("00:00-24:00") == ((0, 1440),)
    with pytest.raises(ValidationError, match="overlap"):
        parse_periods("08:00-12:00, 11:00-13:00")
    with pytest.raises(ValidationError, match="start must be before the end"):
        parse_periods("12:00-08:00")
    with pytest.raises(ValidationError, match="not a time"):
        parse_periods("8-12")
    with pytest.raises(ValidationError, match="not a time"):
        parse_periods("08:30-12:75")
    with pytest.raises(ValidationError, match="Tuesday"):
        week_from_data([[], [["10:00", "09:00"]], [], [], [], [], []])
    with pytest.raises(ValidationError, match="seven"):
        week_from_data([[]])


# --- models, pages and API ------------------------------------------------------------------------

@pytest.fixture
def calendar(org):
    from bilge.core.models import CalendarDay, WorkingCalendar

    wc = WorkingCalendar.objects.create(institution=org["institution"], name="Genel", is_default=True)
    CalendarDay.objects.create(calendar=wc, date=D(2026, 5, 25), kind=NON_WORKING, name="İdari izin")
    return wc


def test_model_defaults_and_business_calendar(calendar, org):
    from bilge.core.models import CalendarDay

    calendar.refresh_from_db()
    assert calendar.time_zone == "Europe/Istanbul"
    assert calendar.half_day_ends_at == dt.time(13, 0)
    assert calendar.periods[0] == [["08:30", "12:00"], ["13:00", "17:30"]] and calendar.periods[5] == []
    value = BusinessCalendar.for_institution(org["institution"])
    assert value.name == "Genel" and value.working_minutes(D(2026, 5, 25)) == 0
    assert value == calendar.business_calendar()
    # An archived day no longer applies.
    day = CalendarDay.objects.get()
    day.archive("mistake")
    assert BusinessCalendar.for_institution(org["institution"]).working_minutes(D(2026, 5, 25)) == 480
    # Without a default calendar: the built-in defaults.
    from bilge.core.models import Institution

    other = Institution.objects.create(slug="other", name="Başka")
    assert BusinessCalendar.for_institution(other) == BusinessCalendar.default()


def test_model_validation_messages(calendar, org):
    from bilge.core.models import CalendarDay, WorkingCalendar

    bad = WorkingCalendar(institution=org["institution"], name="Vardiya", time_zone="Mars/Olympus",
                          periods=[[["08:00", "12:00"], ["11:00", "13:00"]], [], [], [], [], [], []])
    with pytest.raises(ValidationError) as exc:
        bad.full_clean()
    errors = exc.value.message_dict
    assert "overlap" in errors["periods"][0] and "Monday" in errors["periods"][0]
    assert "time zone" in errors["time_zone"][0]
    second = WorkingCalendar(institution=org["institution"], name="İkinci", is_default=True)
    with pytest.raises(ValidationError) as exc:
        second.full_clean()
    assert "Genel" in exc.value.message_dict["is_default"][0]
    twice = CalendarDay(calendar=calendar, date=D(2026, 5, 25), kind=HALF_DAY, name="x")
    with pytest.raises(ValidationError) as exc:
        twice.full_clean()
    assert "İdari izin" in exc.value.message_dict["date"][0]


def test_pages_for_an_administrator(calendar, org, client, make_user, settings):
    django_settings = settings
    admin = make_user("takvim", person=org["people"]["ipek"], roles=[(["admin.*"], "institution")])
    client.force_login(admin)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.get("/org/calendars/").status_code == 200
    page = client.get(f"/org/calendars/{calendar.pk}/").content.decode()
    assert "İdari izin" in page and "08:30–12:00, 13:00–17:30" in page and "until 13:00" in page
    edit = client.get(f"/org/calendars/{calendar.pk}/edit/").content.decode()
    assert 'name="day_0"' in edit and 'value="08:30-12:00, 13:00-17:30"' in edit
    # Edit the weekly hours: a half-day Saturday.
    data = {"institution": org["institution"].pk, "name": "Genel", "is_default": "on", "time_zone": "Europe/Istanbul",
            "half_day_ends_at": "13:00", "use_official_holidays": "on",
            **{f"day_{i}": "08:30-12:00, 13:00-17:30" for i in range(5)}, "day_5": "09:00-12:00", "day_6": ""}
    r = client.post(f"/org/calendars/{calendar.pk}/edit/", data)
    assert r.status_code == 302, r.content.decode()[:2000]
    calendar.refresh_from_db()
    assert calendar.periods[5] == [["09:00", "12:00"]]
    # A bad period is shown next to its weekday.
    r = client.post(f"/org/calendars/{calendar.pk}/edit/", {**data, "day_2": "13:00-12:00"})
    assert r.status_code == 400 and "start must be before the end" in r.content.decode()
    # Add a day from the calendar's page.
    form = client.get(f"/org/calendar-days/add/?calendar={calendar.pk}")
    assert form.status_code == 200
    r = client.post("/org/calendar-days/add/", {"calendar": calendar.pk, "date": "06.06.2026", "kind": WORKING,
                                                 "name": "Telafi"})
    assert r.status_code == 302, r.content.decode()[:2000]
    # A working day has the weekday's own periods (Saturday now has 09:00–12:00); a weekday
    # without periods would get those of the first weekday that has some (Monday).
    assert calendar.business_calendar().working_minutes(D(2026, 6, 6)) == 180
    assert client.get("/org/calendar-days/?export=csv").status_code in (200, 403)


def test_api_routes(calendar, org, client, make_user):
    admin = make_user("takvim2", person=org["people"]["ipek"], roles=[(["admin.*"], "institution")])
    client.force_login(admin)
    listed = client.get("/api/calendars/").json()
    assert [c["name"] for c in listed["results"]] == ["Genel"]
    r = client.post("/api/calendar-days/", {"calendar": calendar.pk, "date": "2026-12-31", "kind": HALF_DAY,
                                            "name": "Yılsonu"}, content_type="application/json")
    assert r.status_code == 201, r.content
    r = client.post("/api/calendar-days/", {"calendar": calendar.pk, "date": "2026-12-31", "kind": HALF_DAY,
                                            "name": "Again"}, content_type="application/json")
    assert r.status_code == 400 and "date" in r.json()
    r = client.patch(f"/api/calendars/{calendar.pk}/", {"periods": [[["09:00", "08:00"]], [], [], [], [], [], []]},
                     content_type="application/json")
    assert r.status_code == 400 and "periods" in r.json()
    # Someone with other rights sees nothing of it.
    other = make_user("okur", person=org["people"]["oya"], roles=[(["org.view"], "institution")])
    client.force_login(other)
    assert client.get("/api/calendars/").status_code == 403
    assert client.get(f"/org/calendars/{calendar.pk}/").status_code == 403
