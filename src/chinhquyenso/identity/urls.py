from django.urls import path

from . import views

app_name = "citizens"
urlpatterns = [
    path("", views.citizen_list, name="list"),
    path("xuat.csv", views.citizen_export, name="export"),
    path("<int:pk>/", views.citizen_detail, name="detail"),
]
