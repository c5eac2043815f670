"""A queryset whose page is mapped to output rows only after django-ninja's pagination has sliced it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet


class MappedRows:
    """Counts and slices in the database like the queryset, and builds output rows for the sliced page only.

    django-ninja's ``LimitOffsetPagination`` counts with ``.all().count()`` and takes ``rows[offset:offset+limit]``;
    a list built before returning would load and convert every row of a large table for one page of 100.
    """

    def __init__(self, rows: QuerySet, build: Callable[[Any], Any]) -> None:
        self.rows, self.build = rows, build

    def all(self) -> QuerySet:
        return self.rows

    def __len__(self) -> int:
        return self.rows.count()

    def __getitem__(self, window: slice) -> list:
        return [self.build(row) for row in self.rows[window]]
