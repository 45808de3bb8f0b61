from django.urls import path

from . import views

app_name = "community"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("ghi-nhan/", views.record, name="record"),
    path("doi/<int:team_id>/", views.team, name="team"),
    path("phuong/<str:code>/", views.ward, name="ward"),
    path("thanh-pho/", views.city, name="city"),
    path("hoat-dong/", views.activities, name="activities"),
    path("duyet/", views.review, name="review"),
    path("duyet/<int:activity_id>/<str:decision>/", views.review_act, name="review_act"),
    path("nhap-danh-sach/", views.import_roster, name="import"),
    path("nhap-danh-sach/mau/", views.roster_template, name="roster_template"),
]
