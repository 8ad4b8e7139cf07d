import functools

from django.core.paginator import Paginator
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from bilge.core.paging import CappedPaginator, count_limit_for


class Pagination(PageNumberPagination):
    """Pages of 50 (``page_size`` up to 500). Lists that can hold millions of rows (the view's
    ``count_limit``) stop counting there: ``count`` is then the limit and ``count_capped`` true."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        limit = count_limit_for(view, request.query_params.get("q"))
        self.django_paginator_class = functools.partial(CappedPaginator, limit=limit) if limit else Paginator
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        return Response({
            "count": self.page.paginator.count,
            "count_capped": getattr(self.page.paginator, "capped", False),
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
            "results": data,
        })

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count_capped"] = {
            "type": "boolean", "example": False,
            "description": "True when the list holds more rows than it counts (count is then the limit)."}
        return response
