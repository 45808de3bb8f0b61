"""Pages for officials: registers, queues, the document pages, signing certificates and
the exchange with other systems (under /van-ban/)."""

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
    # The outgoing page's forms besides the steps (before the steps' catch-all).
    path("di/<int:pk>/thay-du-thao/", views.outgoing_replace_draft, name="outgoing_replace_draft"),
    path("di/<int:pk>/ban-da-ky/", views.outgoing_upload_signed, name="outgoing_upload_signed"),
    path("di/<int:pk>/ky-tren-thiet-bi/", views.outgoing_prepare_signature, name="outgoing_prepare_signature"),
    path("di/<int:pk>/ky-tren-thiet-bi/<int:pending_id>/", views.outgoing_complete_signature,
         name="outgoing_complete_signature"),
    path("di/<int:pk>/edxml/", views.outgoing_export, name="outgoing_export"),
    path("di/<int:pk>/", views.outgoing, name="outgoing"),
    path("di/<int:pk>/<slug:action>/", views.outgoing_act, name="outgoing_act"),
    path("den/giay/moi/", views.paper_new, name="paper_new"),
    path("den/edxml/", views.package_receive, name="package_receive"),
    path("den/edxml/tu-choi/", views.package_reject, name="package_reject"),
    path("den/<int:pk>/", views.incoming, name="incoming"),
    path("den/<int:pk>/<slug:action>/", views.incoming_act, name="incoming_act"),
    path("tep/<int:file_id>/", views.download, name="download"),
    path("chung-thu-so/", views.my_certificates, name="my_certificates"),
    path("chung-thu-so/tep-khoa/", views.my_certificate_add_key, name="my_certificate_add_key"),
    path("chung-thu-so/tren-thiet-bi/", views.my_certificate_add_external, name="my_certificate_add_external"),
    path("chung-thu-so/<int:pk>/thu-hoi/", views.certificate_withdraw, name="certificate_withdraw"),
    path("chung-thu-so/co-quan/", views.seals, name="seals"),
    path("chung-thu-so/co-quan/<int:agency_id>/", views.agency_seals, name="agency_seals"),
    path("trao-doi/", views.outbox, name="outbox"),
    path("trao-doi/da-gui/", views.outbox_mark_sent, name="outbox_mark_sent"),
    path("trao-doi/trang-thai/", views.status_upload, name="status_upload"),
    path("trao-doi/tep/<int:message_id>/", views.exchange_file, name="exchange_file"),
]
