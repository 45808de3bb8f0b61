from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("don-vi/", views.units, name="units"),
]
