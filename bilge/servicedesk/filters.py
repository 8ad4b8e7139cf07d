import django_filters
from django.utils.translation import gettext_lazy as _

from bilge.core.filtering import ArchivableFilterSet, BaseFilterSet
from bilge.core.models import Person
from bilge.servicedesk.models import Article, AssignmentRule, RequestType, Service, Ticket
from bilge.web.widgets import AutocompleteSelect


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
