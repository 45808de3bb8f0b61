"""Citizens' login with electronic identification, mounted at /dang-nhap-cong-dan/."""

from django.urls import path

from . import login_views

urlpatterns = [
    path("", login_views.CitizenLoginStartView.as_view(), name="citizen_login"),
    path("xac-thuc/", login_views.CitizenLoginCallbackView.as_view(),
         name="citizen_login_callback"),
]
