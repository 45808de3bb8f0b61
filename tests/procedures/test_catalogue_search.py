"""Citizens find procedures with or without accents, by field, level and service level."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["dang ky khai sinh", "Đăng ký khai sinh", "KHAI SINH", "1.001193"])
def test_search_without_accents_finds_the_procedure(client, catalogue, query):
    codes = [p["code"] for p in client.get("/api/v1/procedures", {"q": query}).json()]
    assert codes == ["1.001193"]


def test_search_with_no_match(client, catalogue):
    assert client.get("/api/v1/procedures", {"q": "ket hon"}).json() == []


def test_filters(client, catalogue):
    def codes(**params):
        return sorted(p["code"] for p in client.get("/api/v1/procedures", params).json())

    assert codes() == ["1.001193", "1.009794"]
    assert codes(level="city") == ["1.009794"]
    assert codes(service_level="full_online") == ["1.001193"]
    assert codes(level="ward", service_level="partial_online") == []


def test_procedure_detail_api(client, catalogue):
    detail = client.get("/api/v1/procedures/1.009794").json()
    assert detail["field"] == "Xây dựng"
    assert detail["total_fee"] == 75000
    assert [float(s["hours"]) for s in detail["steps"]] == [4, 108, 4, 4]
    assert [s["role"] for s in detail["steps"]] == ["counter_officer", "specialist", "leader",
                                                    "counter_officer"]
    assert detail["form"][0]["key"] == "address"
    assert client.get("/api/v1/procedures/9.999999").status_code == 404


def test_catalogue_page_searches_and_filters(client, catalogue):
    html = client.get("/dich-vu-cong/", {"q": "giay phep xay dung"}).content.decode()
    assert "Cấp giấy phép xây dựng nhà ở riêng lẻ" in html
    assert "Thủ tục đăng ký khai sinh" not in html
    assert "Tìm thấy 1 thủ tục" in html
    html = client.get("/dich-vu-cong/", {"level": "ward"}).content.decode()
    assert "Thủ tục đăng ký khai sinh" in html and "giấy phép xây dựng nhà" not in html


def test_catalogue_page_answers_htmx_with_the_results_only(client, catalogue):
    html = client.get("/dich-vu-cong/", {"q": "khai sinh"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in html and "Thủ tục đăng ký khai sinh" in html


def test_procedure_page_shows_what_to_prepare_time_and_fees(client, catalogue):
    html = client.get("/dich-vu-cong/thu-tuc/1.009794/").content.decode()
    assert "Đơn đề nghị cấp giấy phép" in html
    assert "15 ngày làm việc" in html
    assert "75.000 đồng" in html
    assert "Thẩm định" in html


def test_unpublished_procedures_are_hidden(client, catalogue):
    from chinhquyenso.procedures.models import Procedure

    Procedure.objects.filter(code="1.001193").update(is_published=False)
    assert client.get("/dich-vu-cong/thu-tuc/1.001193/").status_code == 404
    assert client.get("/api/v1/procedures", {"q": "khai sinh"}).json() == []


def test_demo_catalogue_holds_real_procedures_of_wards_and_the_city(client):
    from django.core.management import call_command

    from chinhquyenso.procedures.models import Procedure

    call_command("load_demo", "--without-current-units", "--without-dossiers", "--population", "0",
                 "--without-teams",
                 verbosity=0)
    assert Procedure.objects.count() >= 30
    assert set(Procedure.objects.values_list("level", flat=True)) == {"city", "ward"}
    assert set(Procedure.objects.values_list("field__name", flat=True)) >= {
        "Hộ tịch", "Chứng thực", "Hộ kinh doanh", "Đất đai", "Xây dựng", "Bảo trợ xã hội"}
    names = [p["name"] for p in client.get("/api/v1/procedures", {"q": "dang ky khai sinh"}).json()]
    assert any("khai sinh" in name.lower() for name in names)
