from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("don-vi/", views.units, name="units"),
    path("xac-thuc-hai-lop/", views.totp_enrolment, name="totp_enrolment"),
    path("bao-mat/", views.security, name="security"),
    path("bao-mat/thiet-bi/<int:pk>/xoa/", views.remove_totp_device, name="totp_device_remove"),
]
