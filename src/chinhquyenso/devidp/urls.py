"""The development identity provider, mounted under /devidp/ when DEVIDP_ENABLED.

The namespace is the toolkit's ("oauth2_provider"): its discovery document and issuer
are built by reversing these names. Issuer: <site>/devidp; discovery document:
<site>/devidp/.well-known/openid-configuration.
"""

from django.urls import path, re_path

from . import views

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", views.authorize, name="authorize"),
    path("token/", views.token, name="token"),
    path("userinfo/", views.userinfo, name="user-info"),
    re_path(r"^\.well-known/openid-configuration/?$", views.discovery,
            name="oidc-connect-discovery-info"),
    path(".well-known/jwks.json", views.jwks, name="jwks-info"),
    path(".well-known/oauth-authorization-server", views.server_metadata,
         name="oauth-server-metadata"),
]
