"""Filters every app's filter sets share."""

import django_filters
from django import forms
from django.db.models import Q
from django_filters.constants import EMPTY_VALUES
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

MAX_ID = 2**63 - 1


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """An object id: a positive integer in the database's range, else a 400 naming the parameter."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class StableOrderingFilter(django_filters.OrderingFilter):
    """`ordering`, then the id: rows that tie keep one order, so that pages neither repeat nor skip them
    and an export lists them as the pages did."""

    def __init__(self, *args, tiebreaker="-id", **kwargs):
        self.tiebreaker = tiebreaker
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        ordering = [self.get_ordering_value(param) for param in value if param not in EMPTY_VALUES]
        return qs.order_by(*ordering, self.tiebreaker)


def search_any(queryset, value: str, *lookups: str):
    """Rows where any of `lookups` matches the search text; every row when the text is blank."""
    value = value.strip()
    if not value:
        return queryset
    condition = Q()
    for lookup in lookups:
        condition |= Q(**{lookup: value})
    return queryset.filter(condition)
