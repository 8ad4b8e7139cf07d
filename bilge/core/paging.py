"""Paging of lists that can hold millions of rows, shared by the web lists and the API."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """A paginator that stops counting at ``limit`` rows (``capped`` tells whether there are more);
    the pages reach as far as the count."""

    def __init__(self, object_list, per_page, limit: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.limit = limit
        self.capped = False

    @cached_property
    def count(self):
        # Without the order: "the first 10,001 rows newest first" would make the database walk
        # the table in order until it has them; any 10,001 rows count the same.
        found = self.object_list.order_by()[:self.limit + 1].count()
        self.capped = found > self.limit
        return min(found, self.limit)


def count_limit_for(view, search: str | None) -> int | None:
    """The count limit of a list (``count_limit``; ``search_count_limit`` while a free-text search
    is on: counting matches reads table rows), or None to count exactly."""
    limit = getattr(view, "count_limit", None)
    search_limit = getattr(view, "search_count_limit", None)
    return search_limit if search and search_limit else limit
