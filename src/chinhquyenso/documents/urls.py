"""Pages for officials: registers, queues and the document page (under /van-ban/)."""

from django.urls import path  # noqa: F401

app_name = "documents"
urlpatterns: list = []
