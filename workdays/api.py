"""Working days over HTTP, open to any caller (logged in or not)."""

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .calendar import add_workdays, count_workdays

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2200, 12, 31)
MAX_COUNT_DAYS = 36525  # about 100 years


class _DateField(serializers.DateField):
    default_error_messages = {
        "required": _("请提供日期（YYYY-MM-DD）。"),
        "null": _("请提供日期（YYYY-MM-DD）。"),
        "invalid": _("日期格式应为 YYYY-MM-DD。"),
        "datetime": _("日期格式应为 YYYY-MM-DD。"),
    }

    def __init__(self, **kwargs):
        super().__init__(input_formats=["%Y-%m-%d"], **kwargs)

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not EARLIEST <= day <= LATEST:
            raise serializers.ValidationError(_("日期应在 1900-01-01 至 2200-12-31 之间。"))
        return day


class AddQuerySerializer(serializers.Serializer):
    start = _DateField(help_text=_("起始日期，本身不计入。"))

    def get_fields(self):
        # Built per instance so that the limit (and the schema) follow settings.WORKDAYS_MAX_DAYS.
        fields = super().get_fields()
        fields["days"] = serializers.IntegerField(
            min_value=0,
            max_value=settings.WORKDAYS_MAX_DAYS,
            help_text=_("工作日天数；0 表示起始日期当天（非工作日则顺延至下一个工作日）。"),
            error_messages={
                "required": _("请提供工作日天数。"),
                "null": _("请提供工作日天数。"),
                "invalid": _("工作日天数应为整数。"),
                "max_string_length": _("工作日天数过大。"),
                "min_value": _("工作日天数不能为负数。"),
                "max_value": _("工作日天数不能超过 {max_value}。"),
            },
        )
        return fields


class CountQuerySerializer(serializers.Serializer):
    start = _DateField(help_text=_("开始日期（计入）。"))
    end = _DateField(help_text=_("结束日期（计入）。"))

    def validate(self, attrs):
        if attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"end": [_("开始日期不能晚于结束日期。")]})
        if (attrs["end"] - attrs["start"]).days >= MAX_COUNT_DAYS:
            raise serializers.ValidationError({"end": [_("统计区间不能超过 100 年。")]})
        return attrs


class WorkdaysAddResultSerializer(serializers.Serializer):
    date = serializers.DateField(help_text=_("得到的工作日。"))
    provisional = serializers.BooleanField(
        help_text=_("涉及尚未公布放假安排的年份时为 true（按法定节假日估算，不含调休）。")
    )


class WorkdaysCountResultSerializer(serializers.Serializer):
    workdays = serializers.IntegerField(help_text=_("工作日天数，首尾两天都计入。"))
    provisional = serializers.BooleanField(
        help_text=_("涉及尚未公布放假安排的年份时为 true（按法定节假日估算，不含调休）。")
    )


class WorkdaysErrorSerializer(serializers.Serializer):
    start = serializers.ListField(child=serializers.CharField(), required=False)
    end = serializers.ListField(child=serializers.CharField(), required=False)
    days = serializers.ListField(child=serializers.CharField(), required=False)


def _bad_request(example):
    return OpenApiResponse(
        WorkdaysErrorSerializer,
        description=_("查询参数有误；每个出错的参数对应一组说明。"),
        examples=[OpenApiExample("invalid", value=example, status_codes=["400"])],
    )


class _OpenView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class AddWorkdaysView(_OpenView):
    @extend_schema(
        operation_id="workdays_add",
        summary=_("第 N 个工作日"),
        description=_(
            "起始日期之后的第 N 个工作日（起始日期本身不计入）。按中国法定节假日和调休安排计算；"
            "日期应在 1900-01-01 至 2200-12-31 之间。"
        ),
        parameters=[AddQuerySerializer],
        responses={200: WorkdaysAddResultSerializer, 400: _bad_request({"days": ["工作日天数不能为负数。"]})},
        tags=["workdays"],
    )
    def get(self, request):
        query = AddQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            result = add_workdays(query.validated_data["start"], query.validated_data["days"])
        except ValueError as exc:  # a result past the last representable date
            raise serializers.ValidationError({"days": [str(exc)]}) from None
        return Response(WorkdaysAddResultSerializer({"date": result.date, "provisional": result.provisional}).data)


class CountWorkdaysView(_OpenView):
    @extend_schema(
        operation_id="workdays_count",
        summary=_("区间内的工作日天数"),
        description=_(
            "开始日期至结束日期之间的工作日天数，首尾两天都计入。"
            "日期应在 1900-01-01 至 2200-12-31 之间，区间不超过 100 年。"
        ),
        parameters=[CountQuerySerializer],
        responses={200: WorkdaysCountResultSerializer, 400: _bad_request({"start": ["日期格式应为 YYYY-MM-DD。"]})},
        tags=["workdays"],
    )
    def get(self, request):
        query = CountQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = count_workdays(query.validated_data["start"], query.validated_data["end"])
        return Response(
            WorkdaysCountResultSerializer({"workdays": result.workdays, "provisional": result.provisional}).data
        )
