"""An export's filters are the list's query parameters, kept as JSON and read by the list's own FilterSet."""

from django.http import QueryDict
from django.utils.translation import gettext as _

from common.exceptions import ServiceError

# The list's paging parameters mean nothing to an export, which holds every page.
PAGING = ("page", "page_size")
MAX_VALUES = 50
MAX_TEXT = 200


class InvalidFilters(ServiceError):
    """The filters were refused: `errors` maps each filter to its messages, as the list would answer."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(
            {"filters": [f"{name}：{message}" for name, messages in errors.items() for message in messages]}
        )


def normalize(filterset_class, filters) -> dict:
    """The filters as query parameters (text, or lists of text), without paging; unknown names refused."""
    if not isinstance(filters, dict):
        raise InvalidFilters({"filters": [_("应为对象，键为列表的查询参数。")]})
    known = set(filterset_class.base_filters)
    errors, clean = {}, {}
    for name, value in filters.items():
        if name in PAGING:
            continue
        if name not in known:
            errors[name] = [_("列表没有这个筛选条件。可用的有：%(names)s。") % {"names": "、".join(sorted(known))}]
            continue
        texts = _texts(value)
        if texts is None:
            errors[name] = [
                _("应为文本、数字、true/false，或其列表（至多 %(count)d 项，每项至多 %(length)d 个字符）。")
                % {"count": MAX_VALUES, "length": MAX_TEXT}
            ]
        elif texts:
            clean[name] = texts if isinstance(value, list) else texts[0]
    if errors:
        raise InvalidFilters(errors)
    return clean


def _texts(value) -> list[str] | None:
    values = value if isinstance(value, list) else [value]
    if len(values) > MAX_VALUES:
        return None
    texts = []
    for item in values:
        if item is None:
            continue
        if isinstance(item, bool):
            texts.append("true" if item else "false")
        elif isinstance(item, (str, int, float)):
            texts.append(str(item))
        else:
            return None
        if len(texts[-1]) > MAX_TEXT:
            return None
    return texts


def as_query(filters: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, value in filters.items():
        query.setlist(name, value if isinstance(value, list) else [value])
    return query


def apply(filterset_class, queryset, filters: dict):
    """`queryset` filtered and ordered exactly as the list does with these query parameters."""
    filterset = filterset_class(data=as_query(filters), queryset=queryset)
    if not filterset.is_valid():
        raise InvalidFilters({name: [str(m) for m in messages] for name, messages in filterset.errors.items()})
    return filterset.qs
