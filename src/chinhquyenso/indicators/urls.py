from django.urls import path

from . import views

app_name = "indicators"
urlpatterns = [
    path("", views.index, name="index"),
    path("cong-khai/", views.public, name="public"),
    path("lanh-dao/don-vi/<int:unit_id>/", views.unit, name="unit"),
    path("lanh-dao/don-vi/<int:unit_id>/thu-tuc/<int:procedure_id>/", views.procedure, name="procedure"),
]
