"""The API's login and logout: `POST auth/token/` issues a new token, `POST auth/logout/` revokes it.

Logins are counted by django-axes (a locked-out username or address answers 429 with Retry-After)
and audited by feedback.web.auth, like the login page's.
"""
from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback.api.authentication import client_ip, lockout_message, lockout_seconds
from feedback.models import ApiToken
from feedback.services.tokens import api_token_issue, api_token_revoke, api_tokens_revoke_for_user


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`; it is shown only once.")
    expires = serializers.DateTimeField()


class LogoutSerializer(serializers.Serializer):
    all = serializers.BooleanField(required=False, default=False, help_text="Revoke every token of yours.")


class TokenObtainView(APIView):
    """Log in with username and password: a new token each time, valid for TASTEMAKER_TOKEN_TTL_HOURS."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(request=LoginSerializer, responses={200: TokenSerializer}, auth=[])
    def post(self, request):
        form = LoginSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        # The Django request, not DRF's wrapper: django-axes marks a locked-out login on it.
        http_request = request._request
        user = authenticate(http_request, **form.validated_data)
        if getattr(http_request, "axes_locked_out", False):
            seconds = lockout_seconds(http_request)
            throttled = exceptions.Throttled(detail=lockout_message(seconds))
            throttled.wait = seconds  # DRF's handler sends it as Retry-After
            raise throttled
        if user is None:
            raise exceptions.ValidationError({"non_field_errors": ["Unable to log in with provided credentials."]})
        token, key = api_token_issue(user=user, ip=client_ip(request))
        return Response({"token": key, "expires": token.expires_at})


class LogoutView(APIView):
    """Revoke the token this request carries (or, with `{"all": true}` or a session, every token of yours)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=LogoutSerializer, responses={204: None})
    def post(self, request):
        form = LogoutSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        ip = client_ip(request)
        if isinstance(request.auth, ApiToken) and not form.validated_data["all"]:
            api_token_revoke(token=request.auth, actor=request.user, ip=ip)
        else:
            api_tokens_revoke_for_user(user=request.user, actor=request.user, ip=ip)
        return Response(status=status.HTTP_204_NO_CONTENT)
