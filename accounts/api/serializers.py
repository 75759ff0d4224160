from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken
from rest_framework import serializers

from accounts.models import Role, User


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, label=_("用户名"))
    password = serializers.CharField(
        max_length=128, label=_("密码"), style={"input_type": "password"}, trim_whitespace=False
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("放在请求头中：Authorization: Token <token>"))
    expiry = serializers.DateTimeField(allow_null=True, help_text=_("过期时间；为空表示不过期。"))


class UserSummarySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)
    org_unit_name = serializers.CharField(source="org_unit.name", read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["id", "username", "name", "role", "org_unit", "org_unit_name", "enterprise"]
        read_only_fields = fields


class IssuedTokenSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="token_key", read_only=True, help_text=_("令牌前缀，用于吊销。"))
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = AuthToken
        fields = ["id", "user", "created", "expiry"]
        read_only_fields = fields


class IssueTokenSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role=Role.ENTERPRISE, is_active=True),
        help_text=_("企业用户（企业系统对接账号）。"),
    )
    days = serializers.IntegerField(min_value=1, max_value=730, default=365, help_text=_("有效天数。"))
