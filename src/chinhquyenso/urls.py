from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from chinhquyenso.api import api
from chinhquyenso.core import views as core_views
from chinhquyenso.dossiers.urls import inbox_patterns as dossier_inbox
from chinhquyenso.org.forms import OfficialLoginForm

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("dang-nhap/", auth_views.LoginView.as_view(
        authentication_form=OfficialLoginForm, redirect_authenticated_user=True), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("can-bo/", include("chinhquyenso.org.urls")),
    path("kiem-toan/", include("chinhquyenso.core.urls")),
    path("dich-vu-cong/", include("chinhquyenso.dossiers.urls")),
    path("dich-vu-cong/", include("chinhquyenso.procedures.urls")),
    path("can-bo/ho-so/", include((dossier_inbox, "inbox"))),
    path("quan-tri/", admin.site.urls),
    path("api/v1/", api.urls),
    path("<slug:slug>/", core_views.area, name="area"),
]

handler403 = "chinhquyenso.core.views.permission_denied"
handler404 = "chinhquyenso.core.views.page_not_found"
handler500 = "chinhquyenso.core.views.server_error"
