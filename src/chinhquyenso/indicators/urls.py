from django.urls import path

from . import manage_views, records_views, reporting_views, views

app_name = "indicators"
urlpatterns = [
    path("", views.index, name="index"),
    path("cong-khai/", views.public, name="public"),
    path("lanh-dao/don-vi/<int:unit_id>/", views.unit, name="unit"),
    path("lanh-dao/don-vi/<int:unit_id>/chi-so-766/", views.service_index, name="service_index"),
    path("lanh-dao/don-vi/<int:unit_id>/bao-cao.pdf", views.unit_report, name="unit_report"),
    path("lanh-dao/don-vi/<int:unit_id>/thu-tuc/<int:procedure_id>/", views.procedure, name="procedure"),
    path("lanh-dao/don-vi/<int:unit_id>/can-bo-ky-so/", records_views.officials, name="officials"),
    # What the city publishes, its targets and legends.
    path("quan-ly/", manage_views.manage_list, name="manage_list"),
    path("quan-ly/<slug:code>/", manage_views.manage_indicator, name="manage_indicator"),
    # Reported values: the form, the Excel import and the history of a value.
    path("bao-cao/", reporting_views.report_list, name="report_list"),
    path("bao-cao/nhap-excel/", reporting_views.report_import, name="report_import"),
    path("bao-cao/nhap-excel/mau/", reporting_views.report_template, name="report_template"),
    path("bao-cao/<slug:code>/", reporting_views.report_form, name="report_form"),
    path("bao-cao/<slug:code>/lich-su/", reporting_views.report_history, name="report_history"),
]
