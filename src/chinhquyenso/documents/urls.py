"""Pages for officials: registers, queues and the document page (under /van-ban/)."""

from django.urls import path

from . import views

app_name = "documents"
urlpatterns: list = [
    path("", views.queues, name="queues"),
    path("so-van-ban-di/", views.outgoing_register, name="outgoing_register"),
    path("so-van-ban-di/excel/", views.outgoing_register_xlsx, name="outgoing_register_xlsx"),
    path("so-van-ban-den/", views.incoming_register, name="incoming_register"),
    path("so-van-ban-den/excel/", views.incoming_register_xlsx, name="incoming_register_xlsx"),
    path("du-thao/moi/", views.new_draft, name="new_draft"),
    path("di/<int:pk>/", views.outgoing, name="outgoing"),
    path("di/<int:pk>/<slug:action>/", views.outgoing_act, name="outgoing_act"),
    path("den/<int:pk>/", views.incoming, name="incoming"),
    path("den/<int:pk>/<slug:action>/", views.incoming_act, name="incoming_act"),
    path("tep/<int:file_id>/", views.download, name="download"),
]
