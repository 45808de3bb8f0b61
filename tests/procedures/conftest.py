import copy

import pytest

BIRTH = {
    "code": "1.001193", "name": "Thủ tục đăng ký khai sinh", "field": "Hộ tịch", "level": "ward",
    "service_level": "full_online", "duration_unit": "hours", "duration": 8,
    "fees": [{"name": "Lệ phí đăng ký khai sinh", "amount": 0, "note": "Miễn khi đúng hạn"}],
    "form": [
        {"key": "child_full_name", "label": "Họ, chữ đệm, tên người được khai sinh", "type": "text",
         "required": True},
        {"key": "child_birth_date", "label": "Ngày sinh", "type": "date", "required": True},
        {"key": "child_sex", "label": "Giới tính", "type": "choice", "required": True,
         "choices": ["Nam", "Nữ"]},
    ],
    "components": [{"name": "Tờ khai đăng ký khai sinh", "mandatory": True, "file_types": ["pdf", "jpg"]},
                   {"name": "Giấy chứng sinh", "mandatory": True, "file_types": ["PDF"]}],
    "result": "Giấy khai sinh (bản điện tử)",
    "legal_basis": ["Luật Hộ tịch số 60/2014/QH13"],
    "steps": [
        {"name": "Tiếp nhận hồ sơ", "role": "counter_officer", "hours": 1},
        {"name": "Thẩm định", "role": "specialist", "hours": 5},
        {"name": "Ký kết quả", "role": "leader", "hours": 1},
        {"name": "Trả kết quả", "role": "counter_officer", "hours": 1},
    ],
}

PERMIT = {
    "code": "1.009794", "name": "Cấp giấy phép xây dựng nhà ở riêng lẻ", "field": "Xây dựng",
    "level": "city", "service_level": "partial_online", "duration_unit": "days", "duration": 15,
    "fees": [{"name": "Lệ phí cấp giấy phép xây dựng", "amount": 75000}],
    "form": [{"key": "address", "label": "Địa điểm xây dựng", "type": "text", "required": True}],
    "components": [{"name": "Đơn đề nghị cấp giấy phép", "file_types": ["pdf"]}],
    "result": "Giấy phép xây dựng",
    "steps": [{"name": "Tiếp nhận", "role": "counter_officer", "hours": 4},
              {"name": "Thẩm định", "role": "specialist", "at": "QLDT", "hours": 108},
              {"name": "Ký", "role": "leader", "hours": 4},
              {"name": "Trả kết quả", "role": "counter_officer", "hours": 4}],
}


@pytest.fixture
def birth_spec():
    return copy.deepcopy(BIRTH)


@pytest.fixture
def catalogue(db):
    from chinhquyenso.procedures.services import load_catalogue

    load_catalogue([copy.deepcopy(BIRTH), copy.deepcopy(PERMIT)])
