from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api import ConcurrencyMixin, HistoryMixin, Pagination, etag_for
from common.exceptions import PermissionDeniedError
from companies import services
from companies.selectors import (
    can_edit_enterprise,
    enterprise_list,
    enterprises_with_full_mobile,
    visible_contacts,
    visible_visits,
)

from .filters import ContactFilter, EnterpriseFilter, VisitFilter
from .serializers import (
    CheckDuplicatesQuerySerializer,
    CompleteNextStepSerializer,
    ContactSerializer,
    EnterpriseCreateErrorSerializer,
    EnterpriseSerializer,
    PossibleDuplicatesAnswerSerializer,
    PossibleDuplicateSerializer,
    VisitSerializer,
)


def _require_staff(user, message):
    if not can_edit_enterprise(user):
        raise PermissionDeniedError(message)


def duplicates_answer(error: services.PossibleDuplicateError | None) -> dict:
    """The possible duplicates as the caller may see them: names of the visible, a count of the rest."""
    if error is None:
        return {"possible_duplicate": False, "duplicates": [], "hidden_duplicates": 0}
    return {
        "detail": " ".join(error.messages),
        "code": "possible_duplicate",
        "possible_duplicate": True,
        "duplicates": PossibleDuplicateSerializer(error.visible, many=True).data,
        "hidden_duplicates": error.hidden_count,
    }


@extend_schema_view(
    create=extend_schema(
        responses={
            201: EnterpriseSerializer,
            400: OpenApiResponse(
                EnterpriseCreateErrorSerializer,
                description=_(
                    "输入有误；或可能与已有企业重复（code 为 possible_duplicate），确认后带上 confirm_not_duplicate 重新提交"
                ),
            ),
        }
    )
)
class EnterpriseViewSet(
    ConcurrencyMixin,
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Enterprises in the caller's scope; staff maintain them, enterprise users read their own."""

    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilter
    pagination_class = Pagination

    def get_queryset(self):
        return enterprise_list(self.request.user).prefetch_related("qualifications")

    def create(self, request, *args, **kwargs):
        _require_staff(request.user, _("企业用户不能新建企业。"))
        try:
            response = super().create(request, *args, **kwargs)
        except services.PossibleDuplicateError as error:
            return Response(duplicates_answer(error), status=status.HTTP_400_BAD_REQUEST)
        response["ETag"] = etag_for(self._created)
        return response

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        allow_duplicate = data.pop("confirm_not_duplicate", False)
        enterprise = services.create_enterprise(actor=self.request.user, allow_duplicate=allow_duplicate, **data)
        # A new enterprise has no projects or requests yet.
        enterprise.project_count = enterprise.open_request_count = 0
        serializer.instance = self._created = enterprise

    def update(self, request, *args, **kwargs):
        self.get_object()
        _require_staff(request.user, _("企业用户不能修改企业档案。"))
        response = super().update(request, *args, **kwargs)
        response["ETag"] = etag_for(self._updated)
        return response

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("confirm_not_duplicate", None)
        version = data.pop("version", None)
        qualifications = data.pop("qualifications", None)
        before = serializer.instance
        updated = services.update_enterprise(
            actor=self.request.user,
            enterprise=before,
            expected_version=version,
            qualifications=qualifications,
            **data,
        )
        updated.project_count, updated.open_request_count = before.project_count, before.open_request_count
        serializer.instance = self._updated = updated

    @extend_schema(
        parameters=[CheckDuplicatesQuerySerializer],
        responses={200: PossibleDuplicatesAnswerSerializer},
        filters=False,
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="check-duplicates",
        pagination_class=None,
        filter_backends=[],
    )
    def check_duplicates(self, request):
        """Before submitting a new enterprise: the recorded ones its name or USCC is close to."""
        _require_staff(request.user, _("企业用户不能新建企业。"))
        query = CheckDuplicatesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        name = " ".join((query.validated_data.get("name") or "").split())
        error = services.possible_duplicates(actor=request.user, name=name, uscc=query.validated_data.get("uscc"))
        return Response(duplicates_answer(error))


class ContactViewSet(viewsets.ModelViewSet):
    """Enterprises' contacts; mobiles in full only for the officers responsible for the enterprise."""

    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    pagination_class = Pagination

    def get_queryset(self):
        return visible_contacts(self.request.user).select_related("enterprise").order_by("-is_primary", "name", "id")

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        shown = args[0] if args else None
        if shown is not None:
            contacts = shown if kwargs.get("many") else [shown]
            self._full_mobile(serializer, {c.enterprise_id for c in contacts})
        return serializer

    def _full_mobile(self, serializer, enterprise_ids):
        # One query for the whole page, however many enterprises it shows.
        serializer.context["full_mobile_ids"] = enterprises_with_full_mobile(self.request.user, enterprise_ids)

    def create(self, request, *args, **kwargs):
        _require_staff(request.user, _("企业用户不能维护联系人。"))
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = services.create_contact(actor=self.request.user, **serializer.validated_data)
        self._full_mobile(serializer, {serializer.instance.enterprise_id})

    def perform_update(self, serializer):
        serializer.instance = services.update_contact(
            actor=self.request.user, contact=serializer.instance, **serializer.validated_data
        )
        self._full_mobile(serializer, {serializer.instance.enterprise_id})

    def perform_destroy(self, instance):
        services.delete_contact(actor=self.request.user, contact=instance)


class VisitViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Visits (走访) to the enterprises in the caller's scope, with their next steps."""

    serializer_class = VisitSerializer
    filterset_class = VisitFilter
    pagination_class = Pagination
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            visible_visits(self.request.user)
            .select_related("enterprise", "project", "officer")
            .prefetch_related("participants", "contacts")
            .order_by("-visited_on", "-id")
        )

    def create(self, request, *args, **kwargs):
        _require_staff(request.user, _("企业用户不能维护走访记录。"))
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = services.record_visit(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.update_visit(
            actor=self.request.user, visit=serializer.instance, **serializer.validated_data
        )

    @extend_schema(request=CompleteNextStepSerializer, responses=VisitSerializer)
    @action(detail=True, methods=["post"], url_path="complete-next-step")
    def complete_next_step(self, request, pk=None):
        visit = self.get_object()
        payload = CompleteNextStepSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.complete_next_step(actor=request.user, visit=visit, **payload.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=visit.pk)).data)
