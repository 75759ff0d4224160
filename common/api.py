"""Pieces every app's API shares: errors, pagination, optimistic concurrency and history."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import PermissionDeniedError, StaleVersionError
from .pagination import Pagination


def _validation_body(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        body = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        body.setdefault("detail", " ".join(m for msgs in body.values() for m in msgs))
        return body
    return {"detail": " ".join(str(m) for m in exc.messages)}


def exception_handler(exc, context):
    """Turn the services' errors into 400, 403 and 409 answers with the message a person reads."""
    if isinstance(exc, StaleVersionError):
        return Response({"detail": " ".join(exc.messages), "code": "stale_version"}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        body = _validation_body(exc)
        missing = getattr(exc, "missing", None)
        if missing:
            body["missing_facts"] = [{"field": path, "label": label} for path, label in missing]
        code = getattr(exc, "code", None)
        if code:
            body["code"] = code
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, (PermissionDeniedError, DjangoPermissionDenied)):
        exc = exceptions.PermissionDenied(getattr(exc, "message", None) or str(exc) or None)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("对象不存在或您无权查看。"))
    return drf_exception_handler(exc, context)


def etag_for(instance) -> str:
    return f'"{instance._meta.model_name}-{instance.pk}-v{instance.version}"'


class ConcurrencyMixin:
    """Objects carry an ETag; a write with a stale If-Match answers 412.

    A write that sends a stale `version` field is refused by the service with 409.
    """

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()  # once: the ETag is the shown object's
        response = Response(self.get_serializer(instance).data)
        response["ETag"] = etag_for(instance)
        return response

    def check_if_match(self, instance):
        header = self.request.headers.get("If-Match")
        if not header or header.strip() == "*":
            return
        tags = {t.strip().removeprefix("W/") for t in header.split(",")}
        if etag_for(instance) not in tags:
            raise PreconditionFailed()

    def get_object(self):
        instance = super().get_object()
        if self.request.method in ("PUT", "PATCH", "DELETE"):
            self.check_if_match(instance)
        return instance


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"

    @property
    def default_detail(self):
        return _("对象已被他人修改（If-Match 与当前 ETag 不符），请重新获取后再修改。")


class HistoryEntrySerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    date = serializers.DateTimeField(source="history_date")
    user = serializers.CharField(source="history_user", allow_null=True)
    type = serializers.CharField(source="history_type", help_text=_("+ 创建，~ 修改，- 删除"))
    reason = serializers.CharField(source="history_change_reason", allow_null=True)
    changes = serializers.SerializerMethodField()

    def get_changes(self, record) -> list[dict]:
        previous = record.prev_record
        if previous is None:
            return []
        delta = record.diff_against(previous)
        return [{"field": c.field, "old": _plain(c.old), "new": _plain(c.new)} for c in delta.changes]


def _plain(value):
    if value is None or isinstance(value, (bool, int, str, float)):
        return value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return str(value)


class HistoryMixin:
    """`GET .../history/`: the recorded changes of one object, newest first."""

    @extend_schema(responses=HistoryEntrySerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=Pagination, filter_backends=[])
    def history(self, request, *args, **kwargs):
        instance = self.get_object()
        records = instance.history.select_related("history_user").order_by("-history_date", "-history_id")
        page = self.paginate_queryset(records)
        return self.get_paginated_response(HistoryEntrySerializer(page, many=True).data)
