import json
import re

import django_filters
from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from bilge.core.filtering import ArchivableFilterSet, BaseFilterSet
from bilge.core.models import Person
from bilge.core.turkish import fold
from bilge.servicedesk.models import Article, AssignmentRule, RequestType, Service, Ticket
from bilge.web.widgets import AutocompleteSelect

TICKET_NUMBER = re.compile(r"(\d{4})-(\d{1,6})")
# Every word typed begins a word of the ticket: the expression of the index of word beginnings
# (migration 0015), which must be written exactly so to be used.
PREFIX_MATCH = "bilge_search_prefixes({column}) @@ bilge_search_query(%s)"
WORD_PIECES = re.compile(r"\w+")


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


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
    # full-text index answers that) and the page is taken from them. Otherwise PostgreSQL, seeing
    # "newest first, 50 rows", walks the whole table backwards looking for a rare word (seconds on
    # millions of tickets). Words that match more tickets than this are common: walking backwards
    # finds them quickly.
    SEARCH_ID_LIMIT = 20_000
    # PostgreSQL: words estimated to match more tickets than this are common without looking.
    SEARCH_ESTIMATE_LIMIT = 20_000
    # The list and the API count at most this many tickets (fewer while a search is on: counting
    # the matches of common words means reading the newest tickets until there are that many).
    COUNT_LIMIT = 10_000
    SEARCH_COUNT_LIMIT = 200

    def search(self, queryset, name, value):
        number = TICKET_NUMBER.fullmatch(value.strip())
        if number:  # a ticket's number: that ticket (the unique index answers at once)
            return queryset.filter(number=f"{number[1]}-{int(number[2]):06d}")
        words = fold(value).split()[:8]
        if connection.vendor == "postgresql":
            return self._full_text(queryset, words)
        # SQLite (small installations): each word anywhere in the text. The words of three letters
        # and more are looked up first; shorter ones ("ağ") only filter what those found.
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

    def _full_text(self, queryset, words):
        """PostgreSQL: tickets with, for each word typed, a word beginning with it ("yazıc" finds
        "yazıcım", "2026-3586" finds 2026-358632, "ağ" finds "ağ" and "ağa" but not "bağlantı"),
        looked up in the index of word beginnings (migration 0015)."""
        text = " ".join(words)
        match = f"SELECT id FROM servicedesk_ticket WHERE {PREFIX_MATCH.format(column='search_text')}"
        with connection.cursor() as cursor:
            # PostgreSQL's estimate (from the index's statistics, without running the query) tells
            # a common word ("yazıcı": half a million tickets) from a rare one at no cost.
            cursor.execute(f"EXPLAIN (FORMAT JSON) {match}", [text])
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            ids = None
            if plan[0]["Plan"]["Plan Rows"] <= self.SEARCH_ESTIMATE_LIMIT:
                cursor.execute(f"{match} LIMIT %s", [text, self.SEARCH_ID_LIMIT + 1])
                ids = [row[0] for row in cursor.fetchall()]
        if ids is not None and len(ids) <= self.SEARCH_ID_LIMIT:  # one array parameter, not thousands
            return queryset.filter(RawSQL(f'"{Ticket._meta.db_table}"."id" = ANY(%s)', [ids],
                                          output_field=BooleanField()))
        # Common words: the list's own query walks the newest tickets until the page (or the count)
        # is full. Each piece of each word is first looked for anywhere in the text, which every
        # match has: the word beginnings are built only for rows passing that cheap test. Inside a
        # CASE, PostgreSQL takes the condition for a common one (half the rows) and walks; the
        # LIKE tests on their own would make it expect no row at all and read the whole queue.
        column = f'"{Ticket._meta.db_table}"."search_text"'
        pieces = sorted({p for word in words for p in WORD_PIECES.findall(word)})
        likes = " AND ".join([f"{column} LIKE %s"] * len(pieces)) or "TRUE"
        sql = f"CASE WHEN {likes} THEN {PREFIX_MATCH.format(column=column)} ELSE FALSE END"
        params = [f"%{_like_escape(p)}%" for p in pieces] + [text]
        return queryset.filter(RawSQL(sql, params, output_field=BooleanField()))

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
