"""The business calendar: when the institution works, for SLAs (F md.11/2) and legal deadlines.

A ``BusinessCalendar`` is an immutable value: weekly working periods, a time zone, the hour a
half day ends, whether Turkey's official holidays apply, and the days the institution added
(``non_working``: e.g. administrative leave, *idari izin*; ``half_day``; ``working``: e.g. a
Saturday worked in exchange). Build one from a ``WorkingCalendar`` (``from_model``,
``for_institution``) or without the database (``BusinessCalendar()`` / ``default()``).

What a day is worth, in this order:

1. an institution day: ``non_working`` → nothing; ``working`` → the weekday's periods (or, on a
   day without periods such as Saturday, those of the first weekday that has some);
   ``half_day`` → the same, cut at ``half_day_ends_at``;
2. with ``use_official_holidays``: an official or religious holiday (``holidays`` library,
   category ``public``) → nothing; a half-day eve (category ``half_day``: the arife of Ramazan
   and Kurban Bayramı and 28 Ekim, named "… (saat 13.00'ten)") → the weekday's periods cut at
   ``half_day_ends_at``; a date that is both (e.g. 28 Ekim 2012, also Kurban Bayramı) is a
   holiday;
3. otherwise the weekday's periods.

Times are timezone-aware; naive datetimes are refused. Periods are wall-clock times in the
calendar's time zone, converted to instants once per day, so a day with a clock change is
measured in real elapsed time. Results are returned in the calendar's time zone.

Speed: per calendar year, the working intervals of each day (as UTC microseconds) and the
cumulative working time up to each day are computed once and cached; a query is a few
arithmetic steps and one binary search, whatever the span (whole years are skipped by their
totals). The official holidays are fetched once per year and process.

Intervals are half-open: ``is_working_time`` is true from a period's start up to, not including,
its end. ``add_business_minutes`` returns the earliest moment at which the given working time
has elapsed, so a result is either inside working time or exactly at the end of a period.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

NON_WORKING = "non_working"
HALF_DAY = "half_day"
WORKING = "working"
DAY_KINDS = (NON_WORKING, HALF_DAY, WORKING)

DAY_MINUTES = 24 * 60
MINUTE = dt.timedelta(minutes=1)
MINUTE_US = 60_000_000
# Monday–Friday 08:30–12:00 and 13:00–17:30 (minutes from midnight); Saturday and Sunday off.
DEFAULT_PERIODS: tuple[tuple[int, int], ...] = ((510, 720), (780, 1050))
DEFAULT_WEEK: tuple[tuple[tuple[int, int], ...], ...] = (DEFAULT_PERIODS,) * 5 + ((), ())
DEFAULT_HALF_DAY_ENDS_AT = 13 * 60
FALLBACK_TIME_ZONE = "Europe/Istanbul"
# add_business_* gives up when this many years ahead hold no working time at all.
MAX_SCAN_YEARS = 100

WEEKDAYS = (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday"))

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_US = dt.timedelta(microseconds=1)
_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")

Periods = tuple[tuple[int, int], ...]


# --- working periods as text and data --------------------------------------------------------------

def parse_time(text: str, *, allow_midnight_end: bool = False) -> int:
    """"08:30" → 510 minutes. "24:00" only as the end of a period (``allow_midnight_end``)."""
    match = _TIME.match(str(text))
    if match:
        hours, minutes = int(match[1]), int(match[2])
        if minutes < 60 and (hours < 24 or (allow_midnight_end and hours == 24 and minutes == 0)):
            return hours * 60 + minutes
    raise ValidationError(_("“%(value)s” is not a time of day (HH:MM)."), code="invalid_time",
                          params={"value": text})


def format_minutes(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def format_periods(periods: Iterable[Sequence[int]]) -> str:
    """((510, 720), (780, 1050)) → "08:30–12:00, 13:00–17:30"; no periods → ""."""
    return ", ".join(f"{format_minutes(s)}–{format_minutes(e)}" for s, e in periods)


def validate_day_periods(periods: Iterable[Sequence]) -> Periods:
    """A day's periods, as pairs of "HH:MM" strings or of minutes, checked and sorted.

    Each period must start before it ends, within the day ("24:00" may end the last one), and
    periods must not overlap (one may start where the previous ended)."""
    result = []
    for period in periods or ():
        if not isinstance(period, (list, tuple)) or len(period) != 2:
            raise ValidationError(_("A period is a start and an end time, e.g. 08:30–12:00."), code="invalid_period")
        start, end = (
            value if isinstance(value, int) and not isinstance(value, bool)
            else parse_time(value, allow_midnight_end=index == 1)
            for index, value in enumerate(period)
        )
        if not (0 <= start < DAY_MINUTES and 0 < end <= DAY_MINUTES):
            raise ValidationError(_("A period must lie within the day (00:00–24:00)."), code="invalid_period")
        if start >= end:
            raise ValidationError(
                _("The period %(period)s ends before it starts (or is empty): the start must be before the end."),
                code="period_order", params={"period": f"{format_minutes(start)}–{format_minutes(end)}"})
        result.append((start, end))
    result.sort()
    for (s1, e1), (s2, e2) in zip(result, result[1:], strict=False):
        if s2 < e1:
            raise ValidationError(_("The periods %(first)s and %(second)s overlap."), code="period_overlap", params={
                "first": f"{format_minutes(s1)}–{format_minutes(e1)}",
                "second": f"{format_minutes(s2)}–{format_minutes(e2)}"})
    return tuple(result)


def parse_periods(text: str) -> Periods:
    """"08:30-12:00, 13:00-17:30" → ((510, 720), (780, 1050)); "" or "-" → () (a day off).
    Periods are separated by commas or semicolons; start and end by "-" or "–"."""
    text = (text or "").strip()
    if text in ("", "-", "–", "—"):
        return ()
    pairs = []
    for chunk in re.split(r"[,;]", text):
        chunk = chunk.strip()
        if not chunk:
            continue
        parts = re.split(r"\s*[-–—]\s*", chunk)
        if len(parts) != 2:
            raise ValidationError(_("“%(value)s” is not a period; write it as 08:30-12:00."), code="invalid_period",
                                  params={"value": chunk})
        pairs.append(parts)
    return validate_day_periods(pairs)


def week_from_data(data) -> tuple[Periods, ...]:
    """The stored form (seven lists, Monday first, of ["HH:MM", "HH:MM"] pairs) → minutes.
    Errors name the weekday."""
    if not isinstance(data, (list, tuple)) or len(data) != 7:
        raise ValidationError(_("Working periods need seven entries, Monday to Sunday."), code="invalid_week")
    week = []
    for weekday, periods in enumerate(data):
        if not isinstance(periods, (list, tuple)):
            raise ValidationError(_("%(day)s: the periods must be a list."), code="invalid_week",
                                  params={"day": WEEKDAYS[weekday]})
        try:
            week.append(validate_day_periods(periods))
        except ValidationError as exc:
            raise ValidationError(_("%(day)s: %(error)s"), code=exc.error_list[0].code,
                                  params={"day": WEEKDAYS[weekday], "error": " ".join(exc.messages)}) from exc
    return tuple(week)


def week_to_data(week: Iterable[Iterable[Sequence[int]]]) -> list[list[list[str]]]:
    return [[[format_minutes(s), format_minutes(e)] for s, e in day] for day in week]


def default_week_data() -> list[list[list[str]]]:
    """The default periods as stored in a WorkingCalendar (a callable model default)."""
    return week_to_data(DEFAULT_WEEK)


def validate_time_zone(name: str) -> str:
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("“%(value)s” is not a known time zone (e.g. Europe/Istanbul)."),
                              code="invalid_time_zone", params={"value": name}) from None
    return name


# --- official holidays ----------------------------------------------------------------------------

@functools.lru_cache(maxsize=512)
def official_days(year: int) -> tuple[Mapping[dt.date, str], Mapping[dt.date, str]]:
    """(holidays, half-day eves) of Turkey in ``year``, with their Turkish names.

    From the ``holidays`` library: category ``public`` (official and religious holidays; the
    religious ones are marked "(tahmini)" when estimated) and category ``half_day`` (the eves
    worked until 13:00). A date in both is a holiday, so it is left out of the eves. The library
    covers 1936–2100; other years have none."""
    import holidays

    public = holidays.country_holidays("TR", years=year, language="tr", categories=(holidays.PUBLIC,))
    half = holidays.country_holidays("TR", years=year, language="tr", categories=(holidays.HALF_DAY,))
    public_days = {d: name for d, name in public.items() if d.year == year}
    half_days = {d: name for d, name in half.items() if d.year == year and d not in public_days}
    return MappingProxyType(public_days), MappingProxyType(half_days)


# --- the calendar ---------------------------------------------------------------------------------

class CalendarException(NamedTuple):
    """A day the institution added to its calendar."""

    date: dt.date
    kind: str  # NON_WORKING, HALF_DAY or WORKING
    name: str = ""


class DayInfo(NamedTuple):
    """What a date is in a calendar, and why."""

    date: dt.date
    kind: str            # "working", "half_day" or "non_working"
    source: str          # "weekly" (the weekly hours), "official" (holidays library), "institution"
    name: str            # the holiday's or the institution day's name; "" for an ordinary day
    periods: Periods     # wall-clock minutes from midnight


class _Year:
    """Working intervals (UTC microseconds) of each day of a year, and the cumulative working
    time at the start of each day (``cum[i]``; ``cum[-1]`` is the year's total)."""

    __slots__ = ("cum", "first_ordinal", "intervals", "total", "year")

    def __init__(self, year, first_ordinal, intervals, cum):
        self.year, self.first_ordinal, self.intervals, self.cum = year, first_ordinal, intervals, cum
        self.total = cum[-1]


def _default_time_zone() -> str:
    from django.conf import settings

    try:
        return settings.TIME_ZONE or FALLBACK_TIME_ZONE
    except Exception:  # settings not configured: used outside Django
        return FALLBACK_TIME_ZONE


def _to_us(moment: dt.datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("The business calendar needs timezone-aware datetimes.")
    return (moment - _EPOCH) // _US


@dataclass(frozen=True)
class BusinessCalendar:
    """An institution's working time. Immutable and hashable; safe to share between threads.

    ``week``: seven tuples (Monday first) of (start, end) minutes from midnight;
    ``half_day_ends_at``: minutes from midnight; ``days``: the institution's exceptions."""

    week: tuple[Periods, ...] = DEFAULT_WEEK
    time_zone: str = ""  # empty: settings.TIME_ZONE
    half_day_ends_at: int = DEFAULT_HALF_DAY_ENDS_AT
    use_official_holidays: bool = True
    days: tuple[CalendarException, ...] = ()
    name: str = field(default="", compare=False)

    _tz: ZoneInfo = field(init=False, repr=False, compare=False)
    _overrides: dict = field(init=False, repr=False, compare=False)
    _standard: Periods = field(init=False, repr=False, compare=False)
    _years: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        setattr_ = object.__setattr__
        week = tuple(validate_day_periods(day) for day in self.week)
        if len(week) != 7:
            raise ValueError("A week has seven days of periods.")
        setattr_(self, "week", week)
        setattr_(self, "time_zone", validate_time_zone(self.time_zone or _default_time_zone()))
        if not 0 <= self.half_day_ends_at <= DAY_MINUTES:
            raise ValueError("half_day_ends_at must be minutes from midnight.")
        days = tuple(sorted(CalendarException(*d) for d in self.days))
        overrides = {}
        for day in days:
            if day.kind not in DAY_KINDS:
                raise ValueError(f"Unknown kind of day: {day.kind!r}")
            if day.date in overrides:
                raise ValueError(f"Two institution days on {day.date}.")
            overrides[day.date] = day
        setattr_(self, "days", days)
        setattr_(self, "_tz", ZoneInfo(self.time_zone))
        setattr_(self, "_overrides", overrides)
        setattr_(self, "_standard", next((day for day in week if day), ()))
        setattr_(self, "_years", {})

    # --- construction ----------------------------------------------------------------------------
    @classmethod
    def default(cls, time_zone: str | None = None) -> BusinessCalendar:
        """Monday–Friday 08:30–12:00 and 13:00–17:30, official holidays, half days until 13:00."""
        return cls(time_zone=time_zone or "")

    @classmethod
    def from_model(cls, calendar, days: Iterable | None = None) -> BusinessCalendar:
        """From a ``WorkingCalendar`` and its current (not archived) ``CalendarDay`` rows (one
        query unless ``days`` is given)."""
        if days is None:
            days = calendar.days.filter(archived_at__isnull=True).only("date", "kind", "name")
        half = calendar.half_day_ends_at
        return cls(
            week=week_from_data(calendar.periods),
            time_zone=calendar.time_zone,
            half_day_ends_at=half.hour * 60 + half.minute if isinstance(half, dt.time) else int(half),
            use_official_holidays=calendar.use_official_holidays,
            days=tuple(CalendarException(d.date, d.kind, d.name) for d in days),
            name=calendar.name,
        )

    @classmethod
    def for_institution(cls, institution) -> BusinessCalendar:
        """The institution's default calendar, or ``default()`` when it has none. Kept by each
        process until a calendar or one of its days changes (``bilge.core.configcache``)."""
        from bilge.core import configcache

        institution_id = getattr(institution, "pk", institution)
        return configcache.get(("calendar", institution_id), lambda: cls._load_for_institution(institution_id))

    @classmethod
    def _load_for_institution(cls, institution_id) -> BusinessCalendar:
        from bilge.core.models import WorkingCalendar

        calendar = (WorkingCalendar.objects.filter(institution_id=institution_id, is_default=True,
                                                   archived_at__isnull=True).order_by("pk").first())
        return cls.default() if calendar is None else cls.from_model(calendar)

    # --- days ------------------------------------------------------------------------------------
    @property
    def tz(self) -> ZoneInfo:
        return self._tz

    def _cut(self, periods: Periods) -> Periods:
        end = self.half_day_ends_at
        return tuple((s, min(e, end)) for s, e in periods if s < end)

    def day_info(self, date: dt.date) -> DayInfo:
        """What ``date`` is in this calendar, and why (see the module's docstring for the order)."""
        weekday = self.week[date.weekday()]
        own = self._overrides.get(date)
        if own is not None:
            if own.kind == NON_WORKING:
                return DayInfo(date, NON_WORKING, "institution", own.name, ())
            periods = weekday or self._standard
            if own.kind == HALF_DAY:
                periods = self._cut(periods)
            return DayInfo(date, own.kind if periods else NON_WORKING, "institution", own.name, periods)
        if self.use_official_holidays:
            holidays, eves = official_days(date.year)
            if date in holidays:
                return DayInfo(date, NON_WORKING, "official", holidays[date], ())
            if date in eves:
                periods = self._cut(weekday)
                return DayInfo(date, HALF_DAY if periods else NON_WORKING, "official", eves[date], periods)
        return DayInfo(date, WORKING if weekday else NON_WORKING, "weekly", "", weekday)

    def exceptions(self, first: dt.date, last: dt.date) -> list[DayInfo]:
        """The days from ``first`` to ``last`` (inclusive) that are not ordinary: official holidays
        and eves, and institution days (also those that fall on a weekend)."""
        result = []
        day = first
        while day <= last:
            info = self.day_info(day)
            if info.source != "weekly":
                result.append(info)
            day += dt.timedelta(days=1)
        return result

    def working_minutes(self, date: dt.date) -> int:
        """Working time of ``date`` in whole minutes (real elapsed time)."""
        block = self._year(date.year)
        i = date.toordinal() - block.first_ordinal
        return (block.cum[i + 1] - block.cum[i]) // MINUTE_US

    def working_intervals(self, date: dt.date) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
        """The working intervals of ``date`` as (start, end) aware datetimes in the calendar's
        time zone, in order; empty on a day off."""
        block = self._year(date.year)
        return tuple((self._moment(s), self._moment(e))
                     for s, e in block.intervals[date.toordinal() - block.first_ordinal])

    def next_working_day(self, date: dt.date) -> dt.date:
        """``date`` itself when it has working time, else the next date that has. For legal
        deadlines counted in calendar days whose last day, falling on a holiday, moves to the
        next working day."""
        block = self._year(date.year)
        i = date.toordinal() - block.first_ordinal
        for _attempt in range(MAX_SCAN_YEARS + 1):
            # The first day from i on with working time: cum rises after it.
            j = bisect.bisect_right(block.cum, block.cum[i]) - 1
            if j < len(block.intervals):
                return dt.date.fromordinal(block.first_ordinal + j)
            block, i = self._year(block.year + 1), 0
        raise ValueError(f"No working day within {MAX_SCAN_YEARS} years after {date}.")

    # --- moments ---------------------------------------------------------------------------------
    def is_working_time(self, moment: dt.datetime) -> bool:
        """True from the start of a working period up to, not including, its end."""
        block, i, us = self._locate(moment)
        return any(s <= us < e for s, e in block.intervals[i])

    def next_working_moment(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` itself when it is working time, else the start of the next working period."""
        block, i, us = self._locate(moment)
        for s, e in block.intervals[i]:
            if us < e:
                return moment.astimezone(self._tz) if us >= s else self._moment(s)
        scanned = 0
        while True:
            # The first day after i with any working time: cum rises after it.
            j = bisect.bisect_right(block.cum, block.cum[i + 1]) - 1
            if j < len(block.intervals):
                return self._moment(block.intervals[j][0][0])
            scanned += 1
            if scanned > MAX_SCAN_YEARS:
                raise ValueError(f"No working time within {MAX_SCAN_YEARS} years after {moment}.")
            block, i = self._year(block.year + 1), -1

    def add_business_minutes(self, start: dt.datetime, minutes: int) -> dt.datetime:
        """The earliest moment at which ``minutes`` of working time have passed since ``start``.

        ``minutes`` must be ≥ 0; 0 returns ``start`` (in the calendar's time zone). From
        non-working time the count starts at the next working moment. The result is inside
        working time or exactly at the end of a working period (never at the start of the next
        one): 60 minutes from Friday 17:00 is Monday 09:30; 30 minutes from 17:00 is 17:30 Friday."""
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            raise TypeError("minutes must be an int; use add_business_time for a timedelta.")
        return self.add_business_time(start, dt.timedelta(minutes=minutes))

    def add_business_time(self, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
        """``add_business_minutes`` with a ``timedelta`` (to the microsecond)."""
        amount_us = amount // _US
        if amount_us < 0:
            raise ValueError("Business time can only be added forwards (amount ≥ 0).")
        block, i, us = self._locate(start)
        if amount_us == 0:
            return start.astimezone(self._tz)
        target = self._offset(block, i, us) + amount_us
        scanned = 0
        while target > block.total:
            target -= block.total
            scanned += 1
            if scanned > MAX_SCAN_YEARS:
                raise ValueError(f"No working time within {MAX_SCAN_YEARS} years after {start}.")
            block = self._year(block.year + 1)
        day = bisect.bisect_left(block.cum, target, 1) - 1
        rest = target - block.cum[day]
        for s, e in block.intervals[day]:
            if rest <= e - s:
                return self._moment(s + rest)
            rest -= e - s
        raise AssertionError("cumulative working time out of step with the intervals")  # pragma: no cover

    def business_duration(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Working time between two moments, exactly; negative when ``end`` is before ``start``."""
        return dt.timedelta(microseconds=self._between_us(start, end))

    def business_minutes_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Whole minutes of working time between two moments (a partial minute is not counted).

        When ``end`` is before ``start`` the result is negative: ``-between(end, start)`` (e.g. how
        far past its due time a ticket is). ``between(s, add_business_minutes(s, m)) == m``."""
        value = self._between_us(start, end)
        return value // MINUTE_US if value >= 0 else -((-value) // MINUTE_US)

    # --- internals -------------------------------------------------------------------------------
    def _moment(self, us: int) -> dt.datetime:
        return (_EPOCH + dt.timedelta(microseconds=us)).astimezone(self._tz)

    def _between_us(self, start: dt.datetime, end: dt.datetime) -> int:
        b1, i1, u1 = self._locate(start)
        b2, i2, u2 = self._locate(end)
        if u2 < u1:
            return -self._between_us(end, start)
        o1, o2 = self._offset(b1, i1, u1), self._offset(b2, i2, u2)
        if b1 is b2:
            return o2 - o1
        total = b1.total - o1 + o2
        for year in range(b1.year + 1, b2.year):
            total += self._year(year).total
        return total

    def _locate(self, moment: dt.datetime) -> tuple[_Year, int, int]:
        """(year block, index of the local day, the moment in UTC microseconds)."""
        us = _to_us(moment)
        local = moment.astimezone(self._tz)
        block = self._year(local.year)
        i = local.toordinal() - block.first_ordinal
        # Where a clock change at midnight repeats the last hour of a day, that hour can follow
        # the next day's first period (a 24-hour calendar): count it with that day.
        intervals = block.intervals
        while i + 1 < len(intervals) and intervals[i + 1] and us > intervals[i + 1][0][0]:
            i += 1
        return block, i, us

    @staticmethod
    def _offset(block: _Year, i: int, us: int) -> int:
        """Working time from the start of the block's year to ``us`` (on day ``i``)."""
        offset = block.cum[i]
        for s, e in block.intervals[i]:
            if us <= s:
                break
            offset += (e if us >= e else us) - s
        return offset

    def _year(self, year: int) -> _Year:
        block = self._years.get(year)
        if block is None:
            block = _year_block(self, year)
            self._years[year] = block
        return block

    def _build_year(self, year: int) -> _Year:
        first = dt.date(year, 1, 1)
        tz = self._tz
        cum, intervals, total = [0], [], 0
        for n in range((dt.date(year + 1, 1, 1) - first).days if year < 9999 else 365):
            day = first + dt.timedelta(days=n)
            periods = self.day_info(day).periods
            spans = []
            if periods:
                midnight = dt.datetime(day.year, day.month, day.day)
                for s, e in periods:
                    su = _to_us((midnight + dt.timedelta(minutes=s)).replace(tzinfo=tz))
                    eu = _to_us((midnight + dt.timedelta(minutes=e)).replace(tzinfo=tz))
                    if eu <= su:  # swallowed by a clock change
                        continue
                    if spans and su <= spans[-1][1]:
                        spans[-1] = (spans[-1][0], max(spans[-1][1], eu))
                    else:
                        spans.append((su, eu))
                total += sum(e - s for s, e in spans)
            intervals.append(tuple(spans))
            cum.append(total)
        return _Year(year, first.toordinal(), tuple(intervals), tuple(cum))


@functools.lru_cache(maxsize=256)
def _year_block(calendar: BusinessCalendar, year: int) -> _Year:
    """Year blocks shared by equal calendars (e.g. one built per request from the same rows)."""
    return calendar._build_year(year)
