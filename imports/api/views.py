from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from common.exceptions import PermissionDeniedError
from common.pagination import Pagination
from common.uploads import serve
from imports import services
from imports.models import ImportKind
from imports.selectors import can_import, visible_import_jobs
from imports.template_workbook import template_workbook

from .serializers import ImportJobSerializer, ImportUploadSerializer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_importer(user):
    if not can_import(user):
        raise PermissionDeniedError(_("企业用户不能导入数据。"))


class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Excel imports of projects and enterprises: each user sees only their own."""

    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser]
    pagination_class = Pagination
    filter_backends = []

    def get_queryset(self):
        return visible_import_jobs(self.request.user).order_by("-created_at", "-id")

    def list(self, request, *args, **kwargs):
        _require_importer(request.user)
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={200: ImportJobSerializer, 202: ImportJobSerializer},
        description=gettext_lazy(
            "上传 .xlsx 文件导入。文件本身不合格（不是 xlsx、过大、解压后过大、含 XML 实体或公式）时立即返回 400；"
            "小文件在请求中导入并返回报告（200），大文件在后台导入并返回 202 和任务 id。"
        ),
    )
    def create(self, request, *args, **kwargs):
        # Who may import is settled before the body is read.
        _require_importer(request.user)
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        job = services.start_import(actor=request.user, upload=data["file"], kind=data["kind"], dry_run=data["dry_run"])
        answer = status.HTTP_202_ACCEPTED if job.state == job.State.PENDING else status.HTTP_200_OK
        return Response(self.get_serializer(job).data, status=answer)

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_name="marked")
    def marked(self, request, pk=None):
        """The uploaded sheet with its errors marked."""
        job = self.get_object()
        if not job.marked_file:
            raise exceptions.NotFound(_("这次导入没有错误，没有标注文件。"))
        stem = job.original_name.rsplit(".", 1)[0] or "import"
        try:
            return serve(job.marked_file, _("%(name)s-错误标注.xlsx") % {"name": stem})
        except OSError:
            raise exceptions.NotFound(_("标注文件已不存在，请重新导入。")) from None

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "kind", enum=ImportKind.values, default=ImportKind.PROJECTS, description=gettext_lazy("模板类型")
            )
        ],
        responses={(200, XLSX): OpenApiTypes.BINARY},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def template(self, request):
        """The import template: headers, an example row and a sheet explaining the formats."""
        _require_importer(request.user)
        kind = request.query_params.get("kind") or ImportKind.PROJECTS
        if kind not in ImportKind.values:
            raise exceptions.ValidationError({"kind": [_("模板类型应为 projects（项目）或 enterprises（企业）。")]})
        response = HttpResponse(template_workbook(kind, request.user), content_type=XLSX)
        filename = _("%(kind)s导入模板.xlsx") % {"kind": ImportKind(kind).label}
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response
