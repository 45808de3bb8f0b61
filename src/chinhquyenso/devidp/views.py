"""Pages and endpoints of the development identity provider.

Every view answers 404 unless DEVIDP_ENABLED is on (urls.py does not even mount them
then). The endpoints other than the authorization page are the toolkit's own views.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import View
from oauth2_provider import views as dot_views
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.http import OAuth2ResponseRedirect
from oauth2_provider.models import get_application_model
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views.mixins import OAuthLibMixin

from .forms import PickForm, citizens_with_accounts
from .provider import system_user

SHOWN_CITIZENS = 50


def devidp_only(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.DEVIDP_ENABLED:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def requested_level(request) -> int:
    """The level the client asked for: the first of its acr_values that we know."""
    for value in request.GET.get("acr_values", "").split():
        if value in ("LoA1", "LoA2"):
            return int(value[-1])
    return 1


@method_decorator(devidp_only, name="dispatch")
class AuthorizeView(OAuthLibMixin, View):
    """The authorization endpoint: a page where a tester picks a demo citizen and a
    level; the answer goes back to the client as a real authorization code."""

    def get(self, request):
        try:
            _scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            return self.error(request, error)
        form = PickForm(initial={"level": requested_level(request)})
        return self.page(request, credentials, form)

    def post(self, request):
        # The OAuth parameters are read again from the query string and validated again.
        try:
            scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            return self.error(request, error)
        if "cancel" in request.POST:
            return self.answer(request, scopes, credentials, allow=False)
        form = PickForm(request.POST)
        if not form.is_valid():
            return self.page(request, credentials, form, status=400)
        credentials["devidp_pick"] = form.pick()
        return self.answer(request, scopes, credentials, allow=True)

    def page(self, request, credentials, form, status=200):
        application = get_application_model().objects.get(client_id=credentials["client_id"])
        return render(request, "devidp/authorize.html", {
            "application": application,
            "requested_level": requested_level(request),
            "form": form,
            "citizens": citizens_with_accounts().order_by("search_name")[:SHOWN_CITIZENS],
        }, status=status)

    def answer(self, request, scopes, credentials, allow):
        with transaction.atomic():
            request.user = system_user()  # grants need a user; the pick says who logged in
        application = get_application_model().objects.get(client_id=credentials["client_id"])
        try:
            uri, _headers, _body, _status = self.create_authorization_response(
                request=request, scopes=" ".join(scopes), credentials=credentials, allow=allow)
        except OAuthToolkitError as error:
            return self.error(request, error, application)
        return OAuth2ResponseRedirect(uri, application.get_allowed_schemes())

    def error(self, request, error, application=None):
        redirect, response = self.error_response(error)
        if redirect:
            schemes = (application.get_allowed_schemes() if application
                       else oauth2_settings.ALLOWED_REDIRECT_URI_SCHEMES)
            return OAuth2ResponseRedirect(response["url"], schemes)
        return render(request, "devidp/error.html", {"error": response["error"]},
                      status=response["error"].status_code)


token = devidp_only(csrf_exempt(dot_views.TokenView.as_view()))
userinfo = devidp_only(csrf_exempt(dot_views.UserInfoView.as_view()))
discovery = devidp_only(dot_views.ConnectDiscoveryInfoView.as_view())
jwks = devidp_only(dot_views.JwksInfoView.as_view())
server_metadata = devidp_only(dot_views.OAuthServerMetadataView.as_view())
authorize = AuthorizeView.as_view()
