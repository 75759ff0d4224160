from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api import ConcurrencyMixin, HistoryMixin, Pagination, etag_for
from common.exceptions import PermissionDeniedError
from projects import services
from projects.models import ProjectStage
from projects.selectors import can_edit_project, can_manage_project, project_list, visible_projects

from .filters import ProjectFilter
from .serializers import (
    FinishStageSerializer,
    ProjectSerializer,
    ReasonSerializer,
    ReassignSerializer,
    StageSerializer,
    TransferSerializer,
)

# The small tables a row names: fetched by a query each for the page (bench.minimal_wsgi sends the same).
NAMED_RELATIONS = ("signing_event", "industry_chain", "town", "leading_unit", "current_stage")


def api_project_list(user):
    """The projects the API lists and shows. Joined into the list's query as well, the small named
    tables made eight tables, which cost PostgreSQL 30-60 ms of planning (its join orders) per list or
    detail, ten times the query's own run; a query each for the page is cheaper."""
    return (
        project_list(user)
        .select_related(None)
        .select_related("enterprise", "officer")
        .prefetch_related("team", *NAMED_RELATIONS)
    )


class ProjectViewSet(
    ConcurrencyMixin,
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Investment-promotion projects in the caller's scope."""

    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter
    pagination_class = Pagination

    def get_queryset(self):
        return api_project_list(self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        project = services.create_project(actor=self.request.user, **data)
        serializer.instance = self.get_queryset().get(pk=project.pk)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        team = data.pop("team", None)
        project = services.update_project(
            actor=self.request.user, project=serializer.instance, expected_version=version, team=team, **data
        )
        serializer.instance = self._updated = self.get_queryset().get(pk=project.pk)

    def update(self, request, *args, **kwargs):
        if not can_edit_project(request.user, self.get_object()):
            raise PermissionDeniedError(_("您没有修改该项目的权限。"))
        response = super().update(request, *args, **kwargs)
        response["ETag"] = etag_for(self._updated)
        return response

    def create(self, request, *args, **kwargs):
        if not can_edit_project(request.user, None):
            raise PermissionDeniedError(_("您没有创建项目的权限。"))
        return super().create(request, *args, **kwargs)

    @extend_schema(request=ReassignSerializer, responses=ProjectSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        project = self.get_object()
        if not can_manage_project(request.user, project):
            raise PermissionDeniedError(_("只有管理人员可以改派或转办项目。"))
        serializer = ReassignSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        services.reassign_project(actor=request.user, project=project, **serializer.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=project.pk)).data)

    @extend_schema(request=TransferSerializer, responses=ProjectSerializer)
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        project = self.get_object()
        if not can_manage_project(request.user, project):
            raise PermissionDeniedError(_("只有管理人员可以改派或转办项目。"))
        serializer = TransferSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.transfer_project(
            actor=request.user,
            project=project,
            unit=serializer.validated_data["leading_unit"],
            reason=serializer.validated_data.get("reason", ""),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=project.pk)).data)


class StageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """A project's stages, with the finish, skip and reopen actions."""

    serializer_class = StageSerializer
    pagination_class = None
    filter_backends = []

    def get_project(self):
        if not hasattr(self, "_project"):
            self._project = get_object_or_404(visible_projects(self.request.user), pk=self.kwargs["project_pk"])
        return self._project

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProjectStage.objects.none()
        return (
            ProjectStage.objects.filter(project=self.get_project())
            .select_related("stage_type", "owner", "project")
            .order_by("stage_type__order")
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def perform_update(self, serializer):
        if not can_edit_project(self.request.user, self.get_project()):
            raise PermissionDeniedError(_("您没有推进该项目阶段的权限。"))
        serializer.instance = services.update_stage(
            actor=self.request.user, stage=serializer.instance, **serializer.validated_data
        )

    def _act(self, request, serializer_class, call, allowed=can_edit_project):
        # Who may act is settled before the body is read: a caller who may not learns nothing of it.
        stage = self.get_object()
        if not allowed(request.user, stage.project):
            raise PermissionDeniedError(
                _("只有管理人员可以重新打开阶段。")
                if allowed is can_manage_project
                else _("您没有推进该项目阶段的权限。")
            )
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        call(stage, **serializer.validated_data)
        stage = self.get_queryset().get(pk=stage.pk)
        return Response(self.get_serializer(stage).data, status=status.HTTP_200_OK)

    @extend_schema(request=FinishStageSerializer, responses=StageSerializer)
    @action(detail=True, methods=["post"])
    def finish(self, request, project_pk=None, pk=None):
        return self._act(
            request,
            FinishStageSerializer,
            lambda stage, **data: services.finish_stage(actor=request.user, stage=stage, **data),
        )

    @extend_schema(request=ReasonSerializer, responses=StageSerializer)
    @action(detail=True, methods=["post"])
    def skip(self, request, project_pk=None, pk=None):
        return self._act(
            request,
            ReasonSerializer,
            lambda stage, **data: services.skip_stage(actor=request.user, stage=stage, **data),
        )

    @extend_schema(request=ReasonSerializer, responses=StageSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, project_pk=None, pk=None):
        return self._act(
            request,
            ReasonSerializer,
            lambda stage, **data: services.reopen_stage(actor=request.user, stage=stage, **data),
            allowed=can_manage_project,
        )
