"""Signing events, annual targets, land-use commitments, assessments, stage types and documents.

Querysets come from the selectors (what the caller may see: anything else is a 404); writes go
through the services (what the caller may do: anything else is a 403).
"""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from common.api import HistoryMixin
from common.exceptions import PermissionDeniedError
from common.uploads import serve
from projects import services
from projects.models import AssessmentScore, ProjectDocument
from projects.selectors import (
    annual_targets_with_completion,
    can_edit_project,
    can_manage_planning,
    can_upload_documents,
    is_administrator,
    land_actuals_of,
    land_commitments_with_facts,
    signing_events_with_progress,
    visible_annual_targets,
    visible_assessments,
    visible_dimensions,
    visible_documents,
    visible_land_commitments,
    visible_projects,
    visible_signing_events,
    visible_stage_types,
)

from .planning_filters import (
    AnnualTargetFilter,
    AssessmentDimensionFilter,
    AssessmentFilter,
    LandCommitmentFilter,
    SigningEventFilter,
)
from .planning_serializers import (
    AnnualTargetSerializer,
    AssessmentDimensionSerializer,
    AssessmentSerializer,
    LandCommitmentSerializer,
    LandYearlyActualSerializer,
    ProjectDocumentSerializer,
    SigningEventSerializer,
)
from .serializers import StageTypeSerializer


class ServiceWriteMixin:
    """Create and update through a service; answer with the object as the list shows it.

    `may_write(user)` is checked before the input is validated, so a caller who may not write at
    all learns that (403) rather than what is wrong with the input.
    """

    write_denied = ""

    def may_write(self, user) -> bool:
        return True

    def check_may_write(self):
        if not self.may_write(self.request.user):
            raise PermissionDeniedError(self.write_denied)

    def create(self, request, *args, **kwargs):
        self.check_may_write()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = self.service_create(dict(serializer.validated_data))
        return Response(self._fresh(instance), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        self.check_may_write()
        serializer = self.get_serializer(instance, data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        instance = self.service_update(instance, dict(serializer.validated_data))
        return Response(self._fresh(instance))

    def _fresh(self, instance):
        return self.get_serializer(self.get_queryset().get(pk=instance.pk)).data


class SigningEventViewSet(
    ServiceWriteMixin,
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Signing events (签约活动) with their computed totals and progress; managers write."""

    serializer_class = SigningEventSerializer
    filterset_class = SigningEventFilter
    write_denied = gettext_lazy("只有管理人员可以新建或修改签约活动。")

    def may_write(self, user):
        return can_manage_planning(user)

    def get_queryset(self):
        events = visible_signing_events(self.request.user)
        return signing_events_with_progress(events).order_by("-date", "id")

    def service_create(self, data):
        return services.create_signing_event(actor=self.request.user, **data)

    def service_update(self, event, data):
        return services.update_signing_event(actor=self.request.user, event=event, **data)


class AnnualTargetViewSet(
    ServiceWriteMixin,
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Annual targets (年度指标) of the units in the caller's scope, with their computed completion."""

    serializer_class = AnnualTargetSerializer
    filterset_class = AnnualTargetFilter
    write_denied = gettext_lazy("只有管理人员可以维护年度指标。")

    def may_write(self, user):
        return can_manage_planning(user)

    def get_queryset(self):
        return visible_annual_targets(self.request.user).select_related("org_unit").order_by("-year", "org_unit__path")

    def get_serializer(self, instance=None, *args, **kwargs):
        if instance is not None:  # a page of targets or one: with their completion, computed for them only
            annual_targets_with_completion(instance if kwargs.get("many") else [instance])
        return super().get_serializer(instance, *args, **kwargs)

    def service_create(self, data):
        return services.create_annual_target(actor=self.request.user, **data)

    def service_update(self, target, data):
        return services.update_annual_target(actor=self.request.user, target=target, **data)


class LandCommitmentViewSet(
    ServiceWriteMixin,
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Land-use commitments (全生命周期管理) of the projects the caller sees, with their gaps."""

    serializer_class = LandCommitmentSerializer
    filterset_class = LandCommitmentFilter
    write_denied = gettext_lazy("您没有维护该项目用地承诺的权限。")

    def may_write(self, user):
        return can_edit_project(user, None)

    def get_queryset(self):
        commitments = visible_land_commitments(self.request.user)
        return land_commitments_with_facts(commitments).order_by("-handed_over_on", "-id")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def service_create(self, data):
        return services.create_land_commitment(actor=self.request.user, **data)

    def service_update(self, commitment, data):
        if "project" in data and data["project"].pk != commitment.project_id:
            raise exceptions.ValidationError({"project": [_("用地承诺所属的项目不能更改。")]})
        data.pop("project", None)
        return services.update_land_commitment(actor=self.request.user, commitment=commitment, **data)


class LandYearlyActualViewSet(
    ServiceWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The yearly actual output, tax and jobs of a land commitment, one row per year."""

    serializer_class = LandYearlyActualSerializer
    filter_backends = []
    write_denied = gettext_lazy("您没有维护该项目用地承诺的权限。")

    def may_write(self, user):
        return can_edit_project(user, None)

    def get_commitment(self):
        if not hasattr(self, "_commitment"):
            commitments = visible_land_commitments(self.request.user).select_related("project")
            self._commitment = get_object_or_404(commitments, pk=self.kwargs["commitment_pk"])
        return self._commitment

    def create(self, request, *args, **kwargs):
        self.get_commitment()  # a commitment the caller may not see is a 404 before anything else
        return super().create(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return land_actuals_of(None).none()
        return land_actuals_of(self.get_commitment()).order_by("year")

    def service_create(self, data):
        return services.add_land_actual(actor=self.request.user, commitment=self.get_commitment(), **data)

    def service_update(self, actual, data):
        return services.update_land_actual(actor=self.request.user, actual=actual, **data)


class StageTypeViewSet(viewsets.ReadOnlyModelViewSet):
    """The stage types (项目阶段) in order, with their targets and the facts each needs."""

    serializer_class = StageTypeSerializer
    filter_backends = []

    def get_queryset(self):
        return visible_stage_types(self.request.user)


class AssessmentDimensionViewSet(
    ServiceWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Dimensions of the admission scorecard (十精准); administrators maintain them."""

    serializer_class = AssessmentDimensionSerializer
    filterset_class = AssessmentDimensionFilter
    write_denied = gettext_lazy("只有系统管理员可以维护评估维度。")

    def may_write(self, user):
        return is_administrator(user)

    def get_queryset(self):
        return visible_dimensions(self.request.user).order_by("order", "id")

    def service_create(self, data):
        return services.create_assessment_dimension(actor=self.request.user, **data)

    def service_update(self, dimension, data):
        return services.update_assessment_dimension(actor=self.request.user, dimension=dimension, **data)


class AssessmentViewSet(
    ServiceWriteMixin,
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Admission assessments of the projects the caller sees; the weighted total is computed."""

    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilter
    write_denied = gettext_lazy("您没有评估该项目的权限。")

    def may_write(self, user):
        return can_edit_project(user, None)

    def get_queryset(self):
        scores = AssessmentScore.objects.select_related("dimension").order_by("dimension__order", "dimension_id")
        return (
            visible_assessments(self.request.user)
            .select_related("project", "assessor")
            .prefetch_related(Prefetch("scores", queryset=scores))
            .order_by("-assessed_on", "-id")
        )

    def service_create(self, data):
        return services.create_assessment(actor=self.request.user, **data)

    def service_update(self, assessment, data):
        if "project" in data and data["project"].pk != assessment.project_id:
            raise exceptions.ValidationError({"project": [_("评估所属的项目不能更改。")]})
        data.pop("project", None)
        return services.update_assessment(actor=self.request.user, assessment=assessment, **data)


class ProjectDocumentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """A project's permits, contracts and other files: read by whoever sees the project, uploaded by staff."""

    serializer_class = ProjectDocumentSerializer
    parser_classes = [MultiPartParser, FormParser]
    filter_backends = []

    def get_project(self):
        if not hasattr(self, "_project"):
            self._project = get_object_or_404(visible_projects(self.request.user), pk=self.kwargs["project_pk"])
        return self._project

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProjectDocument.objects.none()
        return visible_documents(self.request.user, self.get_project()).select_related("uploaded_by")

    def create(self, request, *args, **kwargs):
        project = self.get_project()
        if not can_upload_documents(request.user, project):
            raise PermissionDeniedError(_("您没有为该项目上传文件的权限。"))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        document = services.add_project_document(
            actor=request.user,
            project=project,
            upload=data["file"],
            kind=data.get("kind"),
            title=data.get("title", ""),
        )
        return Response(self.get_serializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, project_pk=None, pk=None):
        document = self.get_object()
        try:
            return serve(document.file, document.original_name)
        except OSError:
            raise exceptions.NotFound(_("文件已不存在，请重新上传。")) from None
