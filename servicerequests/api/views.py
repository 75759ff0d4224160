from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from common.api import ConcurrencyMixin, HistoryMixin, Pagination, etag_for
from common.uploads import serve
from servicerequests import services
from servicerequests.models import Attachment, Category, Comment
from servicerequests.selectors import request_list, visible_attachments, visible_comments, visible_requests

from .filters import ServiceRequestFilter
from .serializers import (
    RequestAssignSerializer,
    RequestAttachmentSerializer,
    RequestCategorySerializer,
    RequestCommentSerializer,
    RequestRateSerializer,
    RequestRejectSerializer,
    RequestReplySerializer,
    RequestResolveSerializer,
    RequestUploadSerializer,
    ServiceRequestSerializer,
)


def _staff_only(user, request):
    services.check_can_handle(user)


class ServiceRequestViewSet(
    ConcurrencyMixin,
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Enterprises' service requests (企业诉求): an enterprise user sees its own, staff those in their scope."""

    serializer_class = ServiceRequestSerializer
    filterset_class = ServiceRequestFilter
    pagination_class = Pagination
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return request_list(self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        serializer.instance = services.submit_request(actor=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        serializer.instance = self._updated = services.update_request(
            actor=self.request.user, request=serializer.instance, expected_version=version, **data
        )

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        response["ETag"] = etag_for(self._updated)
        return response

    def _act(self, request, call, serializer_class=None, check=None):
        instance = self.get_object()
        if check is not None:
            check(request.user, instance)
        data = {}
        if serializer_class is not None:
            serializer = serializer_class(data=request.data, context=self.get_serializer_context())
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        updated = call(actor=request.user, request=instance, **data)
        response = Response(self.get_serializer(updated).data)
        response["ETag"] = etag_for(updated)
        return response

    @extend_schema(request=None, responses=ServiceRequestSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """受理（政府工作人员）。"""
        return self._act(request, services.accept_request, check=_staff_only)

    @extend_schema(request=RequestAssignSerializer, responses=ServiceRequestSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """分派给本单位或下级单位的工作人员（政府工作人员）。"""
        return self._act(request, services.assign_request, RequestAssignSerializer, check=_staff_only)

    @extend_schema(request=RequestReplySerializer, responses=ServiceRequestSerializer)
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        """答复企业（政府工作人员）。"""
        return self._act(request, services.reply_request, RequestReplySerializer, check=_staff_only)

    @extend_schema(request=RequestResolveSerializer, responses=ServiceRequestSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """办结（政府工作人员）。"""
        return self._act(request, services.resolve_request, RequestResolveSerializer, check=_staff_only)

    @extend_schema(request=RequestRejectSerializer, responses=ServiceRequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """不予受理，须说明原因（政府工作人员）。"""
        return self._act(request, services.reject_request, RequestRejectSerializer, check=_staff_only)

    @extend_schema(request=None, responses=ServiceRequestSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """关闭已办结的诉求（政府工作人员或提出诉求的企业）。"""
        return self._act(request, services.close_request)

    @extend_schema(request=RequestRateSerializer, responses=ServiceRequestSerializer)
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        """好差评：提出诉求的企业在办结后评价一次。"""
        return self._act(request, services.rate_request, RequestRateSerializer, check=services.check_can_rate)


class CategoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Request categories and the working days each is due in."""

    serializer_class = RequestCategorySerializer
    pagination_class = Pagination
    filter_backends = []
    queryset = Category.objects.order_by("order", "id")


class RequestChildMixin:
    """Views under `/service-requests/{request_pk}/`: the request must be visible to the caller, else 404."""

    pagination_class = Pagination
    filter_backends = []

    def get_parent(self):
        if not hasattr(self, "_parent"):
            self._parent = get_object_or_404(visible_requests(self.request.user), pk=self.kwargs["request_pk"])
        return self._parent


class CommentViewSet(RequestChildMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """The thread between the enterprise and the officers; internal notes are shown to staff only."""

    serializer_class = RequestCommentSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        return visible_comments(self.request.user, self.get_parent()).order_by("created_at", "id")

    def create(self, request, *args, **kwargs):
        self.get_parent()  # 404 before the body is read, for a request the caller may not see
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = services.add_comment(
            actor=self.request.user, request=self.get_parent(), **serializer.validated_data
        )


class AttachmentViewSet(RequestChildMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """A request's files: uploaded with checks on size, type and content, downloaded only by those who see it."""

    serializer_class = RequestAttachmentSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Attachment.objects.none()
        return visible_attachments(self.request.user, self.get_parent()).order_by("created_at", "id")

    @extend_schema(
        request={"multipart/form-data": RequestUploadSerializer}, responses={201: RequestAttachmentSerializer}
    )
    def create(self, request, request_pk=None):
        parent = self.get_parent()
        upload = RequestUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        attachment = services.add_attachment(actor=request.user, request=parent, upload=upload.validated_data["file"])
        return Response(self.get_serializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="附件内容"),
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request, request_pk=None, pk=None):
        attachment = self.get_object()
        try:
            return serve(attachment.file, attachment.original_name)
        except FileNotFoundError:
            raise Http404 from None
