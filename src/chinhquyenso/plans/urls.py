from django.urls import path

from . import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("<slug:code>/", views.plan_detail, name="plan"),
    path("<slug:code>/xuat-excel/", views.plan_xlsx, name="plan_xlsx"),
    path("<slug:code>/nhiem-vu/<int:task_id>/", views.task_detail, name="task"),
    path("<slug:code>/nhiem-vu/<int:task_id>/trang-thai/", views.task_status, name="task_status"),
    path("<slug:code>/nhiem-vu/<int:task_id>/ghi-nhan/", views.task_note, name="task_note"),
]
