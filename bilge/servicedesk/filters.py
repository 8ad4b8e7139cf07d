import re

import django_filters
from django.utils.translation import gettext_lazy as _

from bilge.core.filtering import ArchivableFilterSet, BaseFilterSet
from bilge.core.models import Person
from bilge.core.turkish import fold
from bilge.servicedesk.models import Article, AssignmentRule, RequestType, Service, Ticket
from bilge.web.widgets import AutocompleteSelect

TICKET_NUMBER = re.compile(r"(\d{4})-(\d{1,6})")


class ServiceFilterSet(ArchivableFilterSet):
    class Meta:
        model = Service
        fields = ["institution", "unit"]


class RequestTypeFilterSet(ArchivableFilterSet):
    class Meta:
        model = RequestType
        fields = ["service", "kind"]


class TicketFilterSet(BaseFilterSet):
    open = django_filters.BooleanFilter(method="filter_open", label=_("not finished"))
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("assigned to me"))
    # A searchable choice: a select of every person of a metropolitan institution is megabytes.
    assignee = django_filters.ModelChoiceFilter(queryset=Person.objects.all(), label=_("technician"),
                                                widget=AutocompleteSelect("core:person_autocomplete"))

    class Meta:
        model = Ticket
        fields = ["status", "service", "priority", "channel", "request_type", "category", "requester_unit",
                  "assignee"]

    # Free text: when the words match at most this many tickets, their ids are read first (the
    # trigram index answers that) and the page is taken from them. Otherwise PostgreSQL, seeing
    # "newest first, 50 rows", walks the whole table backwards looking for a rare word (seconds on
    # millions of tickets). Words that match more tickets than this are common: walking backwards
    # finds them quickly.
    SEARCH_ID_LIMIT = 5000
    # The list and the API count at most this many tickets (fewer while a search is on).
    COUNT_LIMIT = 10_000
    SEARCH_COUNT_LIMIT = 1_000

    def search(self, queryset, name, value):
        number = TICKET_NUMBER.fullmatch(value.strip())
        if number:  # a ticket's number: that ticket (the unique index answers at once)
            return queryset.filter(number=f"{number[1]}-{int(number[2]):06d}")
        words = fold(value).split()[:8]
        # The trigram index knows words of three letters and more; shorter ones ("ağ") would make
        # it read every candidate row, so they only filter the rows the longer words found.
        indexed = [word for word in words if len(word) >= 3]
        if not indexed:
            return super().search(queryset, name, value)
        matching = Ticket.objects.order_by()
        for word in indexed:
            matching = matching.filter(search_text__contains=word)
        ids = list(matching.values_list("pk", flat=True)[:self.SEARCH_ID_LIMIT + 1])
        if len(ids) > self.SEARCH_ID_LIMIT:
            return super().search(queryset, name, value)
        queryset = queryset.filter(pk__in=ids)
        for word in words:
            if len(word) < 3:
                queryset = queryset.filter(search_text__contains=word)
        return queryset

    def filter_open(self, queryset, name, value):
        finished = Ticket.FINISHED_STATUSES
        return queryset.exclude(status__in=finished) if value else queryset.filter(status__in=finished)

    def filter_mine(self, queryset, name, value):
        from bilge.core.permissions import person_of

        person = person_of(self.request.user) if self.request else None
        if not value or person is None:
            return queryset
        return queryset.filter(assignee=person)


class AssignmentRuleFilterSet(ArchivableFilterSet):
    class Meta:
        model = AssignmentRule
        fields = ["service", "strategy"]


class ArticleFilterSet(ArchivableFilterSet):
    class Meta:
        model = Article
        fields = ["category", "visibility"]
