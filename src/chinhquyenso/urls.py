from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from chinhquyenso.api import api
from chinhquyenso.core import views as core_views
from chinhquyenso.dossiers.urls import inbox_patterns as dossier_inbox
from chinhquyenso.org import views as org_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("dang-nhap/", org_views.OfficialLoginView.as_view(), name="login"),
    path("dang-nhap/ma-xac-thuc/", org_views.second_factor_login, name="second_factor"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("dang-nhap-cong-dan/", include("chinhquyenso.identity.login_urls")),
    path("can-bo/", include("chinhquyenso.org.urls")),
    path("kiem-toan/", include("chinhquyenso.core.urls")),
    path("dich-vu-cong/", include("chinhquyenso.dossiers.urls")),
    path("dich-vu-cong/", include("chinhquyenso.procedures.urls")),
    path("can-bo/ho-so/", include((dossier_inbox, "inbox"))),
    path("can-bo/cong-dan/", include("chinhquyenso.identity.urls")),
    path("quan-tri/", admin.site.urls),
    path("api/v1/", api.urls),
    # The development identity provider: mounted only when DEVIDP_ENABLED (never in production).
    *([path("devidp/", include("chinhquyenso.devidp.urls"))] if settings.DEVIDP_ENABLED else []),
    path("cong-dong/", include("chinhquyenso.community.urls")),
    path("van-ban/", include("chinhquyenso.documents.urls")),
    path("xac-thuc/", include("chinhquyenso.documents.public_urls")),
    path("ke-hoach/", include("chinhquyenso.plans.urls")),
    path("chi-so/", include("chinhquyenso.indicators.urls")),
    path("<slug:slug>/", core_views.area, name="area"),
]

handler403 = "chinhquyenso.core.views.permission_denied"
handler404 = "chinhquyenso.core.views.page_not_found"
handler500 = "chinhquyenso.core.views.server_error"
