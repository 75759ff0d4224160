"""Token login, the caller's own profile, and tokens for enterprises' integrations."""

import datetime

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.models import AuthToken
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from accounts.selectors import can_issue_tokens, tokens_visible_to
from common.api import Pagination
from companies.selectors import visible_enterprises

from .serializers import (
    IssuedTokenSerializer,
    IssueTokenSerializer,
    LoginSerializer,
    TokenSerializer,
    UserSummarySerializer,
)
from .throttles import LoginRateThrottle


class TokenLoginView(APIView):
    """Exchange a username and password for a token."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle]

    @extend_schema(
        request=LoginSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(description=_("用户名或密码错误")),
            429: OpenApiResponse(description=_("请求过多或登录失败次数过多")),
        },
        auth=[],
    )
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # A locked-out account authenticates as nobody; django-axes' middleware then answers 429.
        user = authenticate(request._request, **serializer.validated_data)
        if user is None or not user.is_active:
            raise exceptions.ValidationError({"detail": _("用户名或密码错误。")})
        ttl = settings.API_TOKEN_TTL_ENTERPRISE if user.role == Role.ENTERPRISE else settings.API_TOKEN_TTL_STAFF
        instance, token = AuthToken.objects.create(user, expiry=ttl)
        return Response({"token": token, "expiry": instance.expiry})


class LogoutView(APIView):
    """Revoke the token this request was made with."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        if isinstance(request.auth, AuthToken):
            request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=UserSummarySerializer)
    def get(self, request):
        return Response(UserSummarySerializer(request.user).data)


class TokenViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Tokens of enterprises' integrations: staff issue, list and revoke them."""

    serializer_class = IssuedTokenSerializer
    pagination_class = Pagination
    lookup_field = "token_key"
    filter_backends = []

    def get_queryset(self):
        return tokens_visible_to(self.request.user).select_related("user", "user__org_unit").order_by("-created")

    @extend_schema(request=IssueTokenSerializer, responses={201: TokenSerializer})
    def create(self, request, *args, **kwargs):
        if not can_issue_tokens(request.user):
            raise exceptions.PermissionDenied(_("只有政府工作人员可以为企业签发接口令牌。"))
        serializer = IssueTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        owner = serializer.validated_data["user"]
        if not visible_enterprises(request.user).filter(pk=owner.enterprise_id).exists():
            raise exceptions.ValidationError({"user": [_("该企业不在您的服务范围内。")]})
        ttl = datetime.timedelta(days=serializer.validated_data["days"])
        instance, token = AuthToken.objects.create(owner, expiry=ttl)
        return Response({"token": token, "expiry": instance.expiry}, status=status.HTTP_201_CREATED)
