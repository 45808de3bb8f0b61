from django.urls import path

from . import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="list"),
    # "moi" is not a plan's code (services.RESERVED_CODES)
    path("moi/", views.plan_new, name="plan_new"),
    path("<slug:code>/", views.plan_detail, name="plan"),
    path("<slug:code>/sua/", views.plan_edit, name="plan_edit"),
    path("<slug:code>/xuat-excel/", views.plan_xlsx, name="plan_xlsx"),
    path("<slug:code>/muc-tieu/moi/", views.goal_new, name="goal_new"),
    path("<slug:code>/muc-tieu/<int:goal_id>/sua/", views.goal_edit, name="goal_edit"),
    path("<slug:code>/muc-tieu/<int:goal_id>/xoa/", views.goal_delete, name="goal_delete"),
    path("<slug:code>/nhiem-vu/moi/", views.task_new, name="task_new"),
    path("<slug:code>/nhiem-vu/<int:task_id>/", views.task_detail, name="task"),
    path("<slug:code>/nhiem-vu/<int:task_id>/sua/", views.task_edit, name="task_edit"),
    path("<slug:code>/nhiem-vu/<int:task_id>/xoa/", views.task_delete, name="task_delete"),
    path("<slug:code>/nhiem-vu/<int:task_id>/trang-thai/", views.task_status, name="task_status"),
    path("<slug:code>/nhiem-vu/<int:task_id>/ghi-nhan/", views.task_note, name="task_note"),
]
