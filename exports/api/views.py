from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api import Pagination
from common.uploads import serve
from exports import services
from exports.filters import InvalidFilters
from exports.selectors import own_exports

from .serializers import ExportJobSerializer, ExportRequestSerializer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class NotReady(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "not_ready"


class ExportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's own Excel exports: ask for one, follow it, download it. Nobody else sees them."""

    serializer_class = ExportJobSerializer
    pagination_class = Pagination
    filter_backends = []

    def get_queryset(self):
        return own_exports(self.request.user).order_by("-created_at", "-id")

    @extend_schema(
        request=ExportRequestSerializer,
        responses={202: ExportJobSerializer, 400: OpenApiResponse(description=_("导出内容或筛选条件有误"))},
    )
    def create(self, request):
        """Export a list with its filters (the list's query parameters: filters, q, ordering; page and
        page_size are ignored): the file is written in the background, holding every row the list shows
        the caller when the job runs, in the list's order. Enterprise users export their projects and
        service requests; the enterprise list and the progress sheet (stages) are for staff (403)."""
        payload = ExportRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            job = services.request_export(actor=request.user, **payload.validated_data)
        except InvalidFilters as error:
            return Response(
                {"filters": error.errors, "detail": " ".join(error.messages)}, status=status.HTTP_400_BAD_REQUEST
            )
        body = self.get_serializer(job).data
        location = request.build_absolute_uri(f"{request.path}{job.pk}/")
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": location})

    @extend_schema(
        responses={
            (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description=_("Excel 文件")),
            409: OpenApiResponse(description=_("导出尚未完成或已失败")),
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        job = self.get_object()
        if job.state != job.State.DONE:
            raise NotReady(
                _("导出尚未完成，请稍后再试。") if not job.is_finished else _("导出失败，没有可下载的文件。")
            )
        if not job.file:
            raise Http404
        try:
            return serve(job.file, job.file_name or f"{job.get_kind_display()}.xlsx")
        except FileNotFoundError:
            raise exceptions.NotFound(_("文件已过保留期限被删除，请重新导出。")) from None
