"""The 12-digit personal identification number (số định danh cá nhân): structure from
Circular 07/2016/TT-BCA, no check digit."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from chinhquyenso.identity.idnumbers import (
    FEMALE,
    MALE,
    PROVINCE_CODES,
    IdNumberInfo,
    make_id_number,
    normalize_id_number,
    parse_id_number,
    validate_id_number,
)

provinces = st.sampled_from(sorted(PROVINCE_CODES))
birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2399, 12, 31))
sexes = st.sampled_from([MALE, FEMALE])
serials = st.integers(min_value=0, max_value=999_999)
digits = st.sampled_from("0123456789")


def error_code(number: str, **kwargs) -> str | None:
    try:
        validate_id_number(number, **kwargs)
    except ValidationError as exc:
        return exc.code
    return None


def replace(number: str, position: int, digit: str) -> str:
    return number[:position] + digit + number[position + 1:]


# --- properties --------------------------------------------------------------------

@given(province=provinces, birth_date=birth_dates, sex=sexes, serial=serials)
def test_every_made_number_is_valid_for_its_birth_date_and_sex(province, birth_date, sex, serial):
    number = make_id_number(province_code=province, birth_date=birth_date, sex=sex, serial=serial)
    assert len(number) == 12 and number.isdigit()
    validate_id_number(number, birth_date=birth_date, sex=sex)
    info = parse_id_number(number)
    assert info.province_code == province
    assert info.province_name == PROVINCE_CODES[province]
    assert info.sex == sex
    assert info.birth_year == birth_date.year
    assert info.century_start == birth_date.year // 100 * 100
    assert number.endswith(f"{serial:06d}")


@given(province=provinces, birth_date=birth_dates, sex=sexes, serial=serials,
       position=st.integers(min_value=0, max_value=2), digit=digits)
def test_a_changed_province_digit_fails_only_if_the_code_is_unknown(
        province, birth_date, sex, serial, position, digit):
    number = make_id_number(province_code=province, birth_date=birth_date, sex=sex, serial=serial)
    corrupted = replace(number, position, digit)
    assume(corrupted != number)
    expected = None if corrupted[:3] in PROVINCE_CODES else "province"
    assert error_code(corrupted, birth_date=birth_date, sex=sex) == expected


@given(province=provinces, birth_date=birth_dates, sex=sexes, serial=serials, digit=digits)
def test_a_changed_century_sex_digit_always_fails(province, birth_date, sex, serial, digit):
    """Any other fourth digit names another century or the other sex."""
    number = make_id_number(province_code=province, birth_date=birth_date, sex=sex, serial=serial)
    assume(digit != number[3])
    assert error_code(replace(number, 3, digit), birth_date=birth_date, sex=sex) == "century_sex"


@given(province=provinces, birth_date=birth_dates, sex=sexes, serial=serials, digit=digits)
def test_a_changed_century_digit_with_the_same_sex_fails_on_the_birth_date_alone(
        province, birth_date, sex, serial, digit):
    number = make_id_number(province_code=province, birth_date=birth_date, sex=sex, serial=serial)
    assume(digit != number[3] and int(digit) % 2 == int(number[3]) % 2)
    assert error_code(replace(number, 3, digit), birth_date=birth_date) == "century_sex"
    assert error_code(replace(number, 3, digit), sex=sex) is None


@given(province=provinces, birth_date=birth_dates, sex=sexes, serial=serials,
       position=st.sampled_from([4, 5]), digit=digits)
def test_changed_birth_year_digits_fail(province, birth_date, sex, serial, position, digit):
    number = make_id_number(province_code=province, birth_date=birth_date, sex=sex, serial=serial)
    assume(digit != number[position])
    assert error_code(replace(number, position, digit), birth_date=birth_date, sex=sex) == "birth_year"


@given(province=provinces, birth_date=birth_dates, sex=sexes, serial=serials,
       position=st.integers(min_value=6, max_value=11), digit=digits)
def test_the_random_part_has_no_check_digit(province, birth_date, sex, serial, position, digit):
    number = make_id_number(province_code=province, birth_date=birth_date, sex=sex, serial=serial)
    assert error_code(replace(number, position, digit), birth_date=birth_date, sex=sex) is None


@given(st.text(alphabet="0123456789", max_size=20).filter(lambda s: len(s) != 12))
def test_anything_but_twelve_digits_is_a_format_error(text):
    assert error_code(text) == "format"


# --- the table and worked examples ----------------------------------------------------

def test_the_province_table_is_the_63_provinces_of_circular_07_2016():
    assert len(PROVINCE_CODES) == 63
    assert PROVINCE_CODES["001"] == "Hà Nội"
    assert PROVINCE_CODES["026"] == "Vĩnh Phúc"
    assert PROVINCE_CODES["025"] == "Phú Thọ"
    assert PROVINCE_CODES["079"] == "Hồ Chí Minh"
    assert PROVINCE_CODES["096"] == "Cà Mau"
    assert min(PROVINCE_CODES) == "001" and max(PROVINCE_CODES) == "096"
    # The numbering has gaps (003, 005, …) and stops at 096.
    assert "003" not in PROVINCE_CODES and "097" not in PROVINCE_CODES
    assert len(set(PROVINCE_CODES.values())) == 63


def test_a_woman_born_in_vinh_phuc_in_1985():
    assert parse_id_number("026185012345") == IdNumberInfo(
        province_code="026", province_name="Vĩnh Phúc", century_start=1900, sex=FEMALE,
        birth_year_suffix=85)
    validate_id_number("026185012345", birth_date=date(1985, 9, 2), sex=FEMALE)


def test_a_boy_registered_in_hanoi_in_2010_has_digit_2():
    number = make_id_number(province_code="001", birth_date=date(2010, 5, 19), sex=MALE,
                            serial=4321)
    assert number == "001210004321"
    assert parse_id_number(number).sex == MALE


def test_a_girl_born_in_2003_in_ho_chi_minh_city_has_digit_3():
    assert make_id_number(province_code="079", birth_date=date(2003, 1, 1), sex=FEMALE,
                          serial=7) == "079303000007"


def test_the_number_of_a_man_does_not_fit_a_woman():
    with pytest.raises(ValidationError) as exc:
        validate_id_number("026085012345", birth_date=date(1985, 9, 2), sex=FEMALE)
    assert exc.value.code == "century_sex"
    assert "số chẵn là nam" in str(exc.value)


def test_a_1900s_digit_does_not_fit_a_birth_in_2005():
    with pytest.raises(ValidationError) as exc:
        validate_id_number("026005012345", birth_date=date(2005, 3, 1), sex=MALE)
    assert exc.value.code == "century_sex"
    assert "2005" in str(exc.value) and "1900" in str(exc.value)


def test_the_year_digits_must_be_the_birth_year():
    with pytest.raises(ValidationError) as exc:
        validate_id_number("026186012345", birth_date=date(1985, 9, 2), sex=FEMALE)
    assert exc.value.code == "birth_year"
    assert "86" in str(exc.value) and "1985" in str(exc.value)


def test_an_unknown_province_code():
    with pytest.raises(ValidationError) as exc:
        validate_id_number("003185012345")
    assert exc.value.code == "province"
    assert "003" in str(exc.value)


@pytest.mark.parametrize("value", ["02618501234", "0261850123456", "02618501234a",
                                   "", "026 185 012 345", "٠٢٦١٨٥٠١٢٣٤٥"])
def test_malformed_numbers(value):
    assert error_code(value) == "format"


def test_typed_separators_are_removed_before_validation():
    assert normalize_id_number(" 026 185.012-345 ") == "026185012345"


def test_without_birth_date_and_sex_only_format_and_province_are_checked():
    validate_id_number("026985012345")  # a woman born in 2385: well formed


def test_make_id_number_refuses_what_no_number_can_express():
    with pytest.raises(ValueError, match="province"):
        make_id_number(province_code="003", birth_date=date(1990, 1, 1), sex=MALE, serial=1)
    with pytest.raises(ValueError, match="1899"):
        make_id_number(province_code="026", birth_date=date(1899, 12, 31), sex=MALE, serial=1)
    with pytest.raises(ValueError, match="serial"):
        make_id_number(province_code="026", birth_date=date(1990, 1, 1), sex=MALE,
                       serial=1_000_000)
    with pytest.raises(ValueError, match="sex"):
        make_id_number(province_code="026", birth_date=date(1990, 1, 1), sex="x", serial=1)
