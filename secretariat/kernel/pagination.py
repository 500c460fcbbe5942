"""Page-number pages whose count does not read the whole table.

An exact ``COUNT(*)`` of a list nobody narrowed reads every row of its table
(28 ms of a 50-row page of 198,000 disbursement requests). When the caller's
list is the whole table (their selector keeps every row and no filter or
search narrows it) and PostgreSQL's planner estimates more rows than
``API_COUNT_ESTIMATE_ABOVE``, the count is that estimate (``pg_class.reltuples``,
kept by ANALYZE and autovacuum), and ``count_is_estimate`` says so. Below the
threshold, on any filtered, searched or scoped list, and on SQLite the count is
exact and ``count_is_estimate`` is ``false``. Either way the count is one query,
as before: the estimate and, only when it is too small to stand, the exact
count (PostgreSQL evaluates the branch of a ``CASE`` it needs).

With an estimate the page itself is still exact: ``next`` is given when a row
follows the page (the page is read one row longer), never from the count; a
page past the last row answers 404 as an exact list does; ``page=last`` counts
exactly. The estimate only answers whether the list is the whole table, which
the caller may already count, so it tells nobody anything their scope hides.
"""

from django.conf import settings
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from secretariat.kernel.listing import CountedApart

# Query parameters that leave the rows as they are.
UNFILTERING_PARAMS = frozenset({"page", "ordering", "format"})


def count_or_estimate(queryset, above: int) -> tuple[int, bool]:
    """The planner's estimate of ``queryset``'s table if it is above ``above``,
    else the exact count of ``queryset``; and whether it is the estimate. One
    query: the count runs only when the estimate is not taken."""
    rows_sql, params = queryset.order_by().values("pk").query.sql_with_params()
    # Django's own compiled query inside, its values as parameters.
    sql = (
        "SELECT c.reltuples > %s, CASE WHEN c.reltuples > %s "  # noqa: S608
        "THEN c.reltuples::bigint "
        f"ELSE (SELECT COUNT(*) FROM ({rows_sql}) AS listed) END "
        "FROM pg_class c WHERE c.oid = to_regclass(%s)"
    )
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(
            sql,
            [above, above, *params, queryset.model._meta.db_table],
        )
        row = cursor.fetchone()
    if row is None:
        return queryset.count(), False
    return int(row[1]), bool(row[0])


def _whole_table(queryset) -> bool:
    """Whether ``queryset`` holds every row of its table once each: no
    condition, no grouping, no slice, no union (its joins follow foreign keys,
    which keep every row)."""
    query = queryset.query
    return (
        not query.where
        and not query.distinct
        and query.group_by is None
        and not query.combinator
        and query.low_mark == 0
        and query.high_mark is None
    )


class EstimatedPage(Page):
    """A page that knows whether another follows from the row read after it."""

    def __init__(self, object_list, number, paginator, *, has_more: bool):
        super().__init__(object_list, number, paginator)
        self.has_more = has_more

    def has_next(self) -> bool:
        return self.has_more

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def end_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)


class EstimatedCountPaginator(Paginator):
    """A ``Paginator`` whose ``count`` is given (the planner's estimate) and
    whose pages are read without it."""

    def __init__(self, object_list, per_page, *, estimate: int):
        super().__init__(object_list, per_page)
        self.__dict__["count"] = estimate

    def page(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger("That page number is not an integer") from exc
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage("That page contains no results")
        return EstimatedPage(
            rows[: self.per_page],
            number,
            self,
            has_more=len(rows) > self.per_page,
        )


class EstimatedCountPagination(PageNumberPagination):
    """DRF's page numbers, with ``count_is_estimate`` beside ``count``."""

    def may_estimate(self, queryset, request) -> bool:
        """Whether the list is a whole table that nothing narrows, on
        PostgreSQL: the only lists whose count may be the planner's."""
        if isinstance(queryset, CountedApart):
            queryset = queryset.queryset
        return (
            isinstance(queryset, QuerySet)
            and connections[queryset.db].vendor == "postgresql"
            and not set(request.query_params) - UNFILTERING_PARAMS
            and request.query_params.get(self.page_query_param)
            not in self.last_page_strings
            and _whole_table(queryset)
        )

    def paginate_queryset(self, queryset, request, view=None):
        self.count_is_estimate = False
        if not self.may_estimate(queryset, request):
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        rows = queryset.queryset if isinstance(queryset, CountedApart) else queryset
        count, estimated = count_or_estimate(rows, settings.API_COUNT_ESTIMATE_ABOVE)
        size = self.get_page_size(request)
        if estimated:
            paginator = EstimatedCountPaginator(queryset, size, estimate=count)
        else:
            paginator = self.django_paginator_class(queryset, size)
            paginator.__dict__["count"] = count
        self.count_is_estimate = estimated
        number = request.query_params.get(self.page_query_param) or 1
        try:
            self.page = paginator.page(number)
        except (EmptyPage, PageNotAnInteger) as exc:
            raise NotFound(
                self.invalid_page_message.format(page_number=number, message=str(exc))
            ) from exc
        return list(self.page)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.paginator.count,
                "count_is_estimate": self.count_is_estimate,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        properties = answer["properties"]
        properties["count"]["description"] = (
            "How many rows the list holds: exact, unless count_is_estimate."
        )
        answer["properties"] = {
            "count": properties.pop("count"),
            "count_is_estimate": {
                "type": "boolean",
                "description": (
                    "True when count is PostgreSQL's planner estimate: only on "
                    "a list of a whole large table that no filter or search "
                    "narrows (above API_COUNT_ESTIMATE_ABOVE rows). next and "
                    "previous are exact either way; a page past the last row "
                    "answers 404."
                ),
            },
            **properties,
        }
        answer["required"] = ["count", "count_is_estimate", "results"]
        return answer
