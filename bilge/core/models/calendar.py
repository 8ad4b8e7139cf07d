"""The institution's business calendar: working hours per weekday and the days it adds
(administrative leave, half days, working Saturdays). The arithmetic is in bilge.core.calendar."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bilge.core import calendar as cal
from bilge.core.models.base import ArchivableModel
from bilge.core.models.org import Institution


def default_time_zone() -> str:
    """The installation's time zone, read when a calendar is created (not at import)."""
    return settings.TIME_ZONE


def default_half_day_end() -> datetime.time:
    return datetime.time(13, 0)


class WorkingCalendar(ArchivableModel):
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="calendars",
                                    verbose_name=_("institution"))
    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(
        _("default calendar"), default=False,
        help_text=_("The institution's calendar for due times (SLAs and legal deadlines). One per institution."))
    periods = models.JSONField(
        _("working periods"), default=cal.default_week_data,
        help_text=_('Seven lists, Monday first, of [start, end] pairs: e.g. [["08:30", "12:00"], ["13:00", "17:30"]] '
                    'for a weekday and [] for a day off.'))
    time_zone = models.CharField(_("time zone"), max_length=64, default=default_time_zone,
                                 help_text=_("The working hours are in this time zone, e.g. Europe/Istanbul."))
    half_day_ends_at = models.TimeField(
        _("half days end at"), default=default_half_day_end,
        help_text=_("On a half day (the eve of a religious holiday, 28 October) work ends at this time."))
    use_official_holidays = models.BooleanField(
        _("official holidays"), default=True,
        help_text=_("Turkey's official and religious holidays are days off and their eves half days."))

    permission_module = "admin"
    search_fields = ("name",)
    scope_paths = {"institution": "institution"}

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], name="calendar_name_unique"),
            models.UniqueConstraint(fields=["institution"], condition=Q(is_default=True, archived_at__isnull=True),
                                    name="calendar_one_default"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("core:workingcalendar_detail", args=[self.pk])

    def clean(self):
        super().clean()
        errors = {}
        try:
            cal.week_from_data(self.periods)
        except ValidationError as exc:
            errors["periods"] = exc.messages
        try:
            cal.validate_time_zone(self.time_zone)
        except ValidationError as exc:
            errors["time_zone"] = exc.messages
        if self.is_default and self.institution_id and self.archived_at is None:
            other = WorkingCalendar.objects.filter(institution_id=self.institution_id, is_default=True,
                                                   archived_at__isnull=True).exclude(pk=self.pk).first()
            if other is not None:
                errors["is_default"] = _("“%(name)s” is already the institution's default calendar; "
                                         "make it not the default first.") % {"name": other.name}
        if self.institution_id and self.name:
            same = WorkingCalendar.objects.filter(institution_id=self.institution_id, name=self.name).exclude(pk=self.pk)
            if same.exists():
                errors["name"] = _("The institution already has a calendar with this name.")
        if errors:
            raise ValidationError(errors)

    @property
    def week(self) -> tuple:
        """The periods in minutes from midnight, Monday first (validated)."""
        return cal.week_from_data(self.periods)

    def weekly_hours(self) -> list[tuple[str, str]]:
        """(weekday, "08:30–12:00, 13:00–17:30" or "") for display."""
        try:
            week = self.week
        except ValidationError:
            return []
        return [(str(cal.WEEKDAYS[i]), cal.format_periods(periods)) for i, periods in enumerate(week)]

    def business_calendar(self) -> cal.BusinessCalendar:
        """This calendar with its current days, as the value the arithmetic works on."""
        return cal.BusinessCalendar.from_model(self)


class CalendarDay(ArchivableModel):
    """A day the institution adds to its calendar: a day off (administrative leave, *idari
    izin*, e.g. bridging a holiday), a half day, or a working day (a Saturday worked in exchange)."""

    class Kind(models.TextChoices):
        NON_WORKING = cal.NON_WORKING, _("day off (e.g. idari izin)")
        HALF_DAY = cal.HALF_DAY, _("half day")
        WORKING = cal.WORKING, _("working day (e.g. a make-up Saturday)")

    calendar = models.ForeignKey(WorkingCalendar, on_delete=models.PROTECT, related_name="days",
                                 verbose_name=_("calendar"))
    date = models.DateField(_("date"))
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.NON_WORKING,
        help_text=_("A day off wins over the weekly hours; a half day is worked until the calendar's half-day "
                    "end; a working day is worked like a normal weekday, even on a weekend or a holiday."))
    name = models.CharField(_("name"), max_length=200, help_text=_("E.g. “Administrative leave before Kurban Bayramı”."))
    description = models.TextField(_("description"), blank=True,
                                   help_text=_("E.g. the circular or decision it rests on."))

    permission_module = "admin"
    search_fields = ("name", "description")
    scope_paths = {"institution": "calendar__institution"}

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], condition=Q(archived_at__isnull=True),
                                    name="calendar_day_unique"),
        ]

    def __str__(self):
        day = self.date.strftime("%d.%m.%Y") if hasattr(self.date, "strftime") else str(self.date)
        return f"{day} — {self.name}"

    def get_absolute_url(self):
        return reverse("core:calendarday_detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.calendar_id and self.date and self.archived_at is None:
            same = CalendarDay.objects.filter(calendar_id=self.calendar_id, date=self.date,
                                              archived_at__isnull=True).exclude(pk=self.pk).first()
            if same is not None:
                raise ValidationError({"date": _("This calendar already has an entry for this date: “%(name)s”.")
                                       % {"name": same.name}})
