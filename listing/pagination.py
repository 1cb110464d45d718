"""Pagination for the list pages staff use all day.

Django's Paginator counts every matching row (SELECT COUNT(*) over the whole
filtered table) on every page view: at 100,000 applications that count costs
more than the rest of the page. Here the count stops at LIST_COUNT_LIMIT rows
(a setting, 1,000 by default), so a page costs the same at 1,000 or 1,000,000
rows: below the limit the total is exact, above it the page says "more than
1,000". The rows of a page are read with one more than the page size, which
tells whether there is a next page without counting."""

from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import EmptyPage, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


@dataclass
class BoundedPage:
    object_list: list
    number: int
    per_page: int
    has_next: bool
    # The exact number of matching rows, or None when there are more than count_limit.
    count: int | None
    count_limit: int

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def num_pages(self) -> int | None:
        """Known only when the count is."""
        if self.count is None:
            return None
        return max(1, -(-self.count // self.per_page))

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.object_list else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.object_list)


def page_number(value) -> int:
    """The page asked for in the query string; 1 for anything that is not a
    positive number."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return number if number >= 1 else 1


def bounded_page(queryset: QuerySet, number, *, per_page: int, rows=None,
                 count_limit: int | None = None) -> BoundedPage:
    """One page of an ordered, filtered queryset in two queries whatever the
    number of rows: a count that stops at count_limit + 1, and the page's rows
    plus one. A page past the end shows the last page when the count is known.

    `rows` shapes what a page reads (e.g. `lambda qs: qs.values(...)`, with
    the joins the columns need). The page's records are chosen first by
    primary key in a subquery, on the filtered queryset alone, and only those
    rows are joined and read: page 200 then joins 26 rows, not 5,000."""
    if count_limit is None:
        count_limit = settings.LIST_COUNT_LIMIT
    number = page_number(number)
    # values("pk"): the count reads no annotation of the rows (an EXISTS per row,
    # say) unless a filter needs it.
    found = queryset.order_by().values("pk")[:count_limit + 1].count()
    count = found if found <= count_limit else None
    if count is not None:
        last = max(1, -(-count // per_page))
        number = min(number, last)
    offset = (number - 1) * per_page
    object_list = []
    if count is None or count:
        ordering = queryset.query.order_by or queryset.model._meta.ordering
        chosen = queryset.values("pk")[offset:offset + per_page + 1]
        page = queryset.model._default_manager.filter(pk__in=chosen).order_by(*ordering)
        object_list = list(rows(page) if rows else page)
    return BoundedPage(object_list=object_list[:per_page], number=number, per_page=per_page,
                       has_next=len(object_list) > per_page, count=count,
                       count_limit=count_limit)


class BoundedCountPaginator(Paginator):
    """Django's Paginator for an admin changelist, counting at most
    LIST_COUNT_LIMIT + 1 matching rows (SELECT COUNT(*) over a LIMITed
    subquery) instead of the whole filtered table: the count then costs the
    same at 1,000 or 1,000,000 rows. Above the limit the changelist offers the
    pages up to the limit, and a filter or a search narrows the list; pages
    further on are still served when asked for (?p=...)."""

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True,
                 count_limit: int | None = None):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.count_limit = settings.LIST_COUNT_LIMIT if count_limit is None else count_limit

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by().values("pk")[:self.count_limit + 1].count()

    @property
    def counted_all(self) -> bool:
        return self.count <= self.count_limit

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if self.counted_all and top + self.orphans >= self.count:
            top = self.count
        return self._get_page(self.object_list[bottom:top], number, self)

    def validate_number(self, number):
        # A page beyond the counted rows is still served: the rows exist.
        try:
            return super().validate_number(number)
        except EmptyPage:
            number = int(number)
            if number > 1 and not self.counted_all:
                return number
            raise


def pk_url(viewname: str):
    """The address of a record's page for any primary key, from one reverse():
    a list page links every row without a reverse() per row."""
    from django.urls import reverse

    marker = 987654321
    head, tail = reverse(viewname, args=[marker]).rsplit(str(marker), 1)
    return lambda pk: f"{head}{pk}{tail}"
