from django.urls import path

from . import views

app_name = "dossiers"
urlpatterns = [
    path("thu-tuc/<str:code>/nop/", views.submit, name="submit"),
    path("ho-so/", views.my_dossiers, name="mine"),
    path("ho-so/<str:code>/", views.detail, name="detail"),
    path("ho-so/<str:code>/thao-tac/<str:action>/", views.act, name="act"),
    path("ho-so/<str:code>/tep/<int:file_id>/", views.download, name="download"),
    path("ho-so/<str:code>/thu-xin-loi/<int:letter_id>/", views.apology_pdf, name="apology"),
    path("ho-so/<str:code>/khieu-nai/<int:complaint_id>/", views.answer_complaint, name="complaint"),
    path("tra-cuu/", views.track, name="track"),
]

inbox_patterns = [path("", views.inbox, name="inbox")]
