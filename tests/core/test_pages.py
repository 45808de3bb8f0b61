"""Public pages, the health check and the API root, as a visitor sees them."""

import pytest
from django.urls import reverse

from chinhquyenso.core.areas import AREAS

pytestmark = pytest.mark.django_db


def test_home_page_is_vietnamese_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert "Chính quyền số" in html
    assert "Đăng nhập cán bộ" in html
    for area in AREAS:
        assert reverse("area", args=[area.slug]) in html


def test_language_switch_to_english_and_back(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Officials&#x27; login" in html or "Officials' login" in html
    response = client.post("/i18n/setlang/", {"language": "vi", "next": "/"}, follow=True)
    assert '<html lang="vi">' in response.content.decode()


@pytest.mark.parametrize("area", [a for a in AREAS if not a.built], ids=lambda a: a.slug)
def test_unbuilt_areas_say_so(client, area):
    response = client.get(reverse("area", args=[area.slug]))
    assert response.status_code == 200
    assert "Phần này của nền tảng chưa được xây dựng" in response.content.decode()


def test_unknown_page_is_a_vietnamese_404(client):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


def test_healthz_reports_database_and_pending_tasks(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "pending_tasks": 0}


@pytest.mark.django_db(transaction=True)
def test_healthz_counts_waiting_tasks(client, settings):
    from chinhquyenso.core.services import queue_email

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default"]}}
    queue_email(to="a@example.vn", subject="Thông báo", body="Nội dung")
    assert client.get("/healthz").json()["pending_tasks"] == 1


def test_api_root_and_openapi_document(client):
    root = client.get("/api/v1/")
    assert root.status_code == 200
    assert root.json()["api_version"] == "1"
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    document = spec.json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/org/units" in document["paths"]


def test_dates_are_written_dd_mm_yyyy():
    from datetime import date

    from django.utils import formats, translation

    with translation.override("vi"):
        assert formats.date_format(date(2025, 4, 30)) == "30/04/2025"
    with translation.override("en"):
        assert formats.date_format(date(2025, 4, 30)) == "30/04/2025"
