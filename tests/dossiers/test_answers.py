"""A procedure's form is built from its stored specification, and the answers a citizen
submits come back validated and JSON-safe."""

import json

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation

from chinhquyenso.dossiers.answers import clean_answers, form_class_for, initial_for

SPEC = [
    {"key": "full_name", "label": "Họ và tên", "type": "text", "required": True},
    {"key": "note", "label": "Ghi chú", "type": "textarea", "required": False},
    {"key": "birth_date", "label": "Ngày sinh", "type": "date", "required": True},
    {"key": "area", "label": "Diện tích (m²)", "type": "number", "required": False},
    {"key": "sex", "label": "Giới tính", "type": "choice", "required": True, "choices": ["Nam", "Nữ"]},
    {"key": "email", "label": "Thư điện tử", "type": "email", "required": False},
    {"key": "phone", "label": "Số điện thoại", "type": "phone", "required": False},
    {"key": "id_number", "label": "Số định danh cá nhân", "type": "id_number", "required": False},
]

VALID = {"full_name": "Nguyễn Văn An", "birth_date": "25/03/2024", "sex": "Nữ"}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def field_spec(kind, **extra):
    return [{"key": "answer", "label": "Câu trả lời", "type": kind, "required": True, **extra}]


def answer(kind, value, **extra):
    return clean_answers(field_spec(kind, **extra), {"answer": value})["answer"]


def errors(kind, value, **extra):
    with pytest.raises(ValidationError) as error:
        clean_answers(field_spec(kind, **extra), {"answer": value})
    return error.value.message_dict["answer"]


# --- the form ---------------------------------------------------------------------

def test_the_form_has_one_field_per_entry_in_order_with_labels_and_required():
    form = form_class_for(SPEC)()
    assert list(form.fields) == [item["key"] for item in SPEC]
    assert form.fields["full_name"].label == "Họ và tên"
    assert form.fields["full_name"].required is True
    assert form.fields["note"].required is False
    assert isinstance(form.fields["note"].widget, forms.Textarea)
    assert form.fields["full_name"].max_length == 500
    assert form.fields["note"].max_length == 5000
    assert isinstance(form.fields["area"], forms.DecimalField)
    assert isinstance(form.fields["email"], forms.EmailField)


def test_each_spec_gets_its_own_form_class():
    first, second = form_class_for(SPEC), form_class_for(SPEC[:1])
    assert first is not second and issubclass(first, forms.Form)
    assert list(second().fields) == ["full_name"]


def test_dates_are_plain_text_boxes_with_a_dd_mm_yyyy_placeholder():
    html = str(form_class_for(SPEC)()["birth_date"])
    assert 'type="text"' in html and 'type="date"' not in html
    assert 'placeholder="dd/mm/yyyy"' in html


def test_phone_and_id_number_boxes_bring_up_a_number_keypad():
    form = form_class_for(SPEC)()
    assert form.fields["id_number"].widget.attrs["inputmode"] == "numeric"
    assert form.fields["phone"].widget.attrs["inputmode"] == "tel"
    assert 'type="tel"' in str(form["phone"])


def test_the_choice_box_offers_the_labels_after_an_empty_prompt():
    field = form_class_for(SPEC)().fields["sex"]
    assert [value for value, _label in field.choices] == ["", "Nam", "Nữ"]


def test_a_cleaned_date_is_shown_back_as_dd_mm_yyyy():
    bound = form_class_for(SPEC)(data=VALID)
    assert bound.is_valid()
    redisplayed = form_class_for(SPEC)(initial=bound.cleaned_data)
    assert 'value="25/03/2024"' in str(redisplayed["birth_date"])


@pytest.mark.parametrize("area", ["1,234", "1.234", "1,5", "12", "1.500.000,25", ""])
def test_stored_answers_shown_again_come_back_unchanged(area):
    answers = clean_answers(SPEC, {**VALID, "area": area, "phone": "+84 912 345 678"})
    form = form_class_for(SPEC)(initial=initial_for(SPEC, answers))
    resubmitted = {name: form[name].value() or "" for name in form.fields}
    assert clean_answers(SPEC, resubmitted) == answers


def test_initial_values_are_shown_the_way_citizens_type_them():
    initial = initial_for(SPEC, {"birth_date": "2024-03-25", "area": "1.234", "sex": "Nữ",
                                 "note": "", "gone": "x"})
    form = form_class_for(SPEC)(initial=initial)
    assert 'value="25/03/2024"' in str(form["birth_date"])
    assert 'value="1,234"' in str(form["area"])
    assert "gone" not in initial


def test_an_unknown_type_is_a_programming_error():
    with pytest.raises(ValueError):
        form_class_for([{"key": "x", "label": "X", "type": "colour"}])


# --- clean_answers ------------------------------------------------------------------

def test_valid_answers_come_back_json_safe():
    data = {**VALID, "note": "Sinh tại nhà", "area": "120,5", "email": "an@example.vn",
            "phone": "0912 345 678", "id_number": "001099012345"}
    answers = clean_answers(SPEC, data)
    assert answers == {
        "full_name": "Nguyễn Văn An", "note": "Sinh tại nhà", "birth_date": "2024-03-25",
        "area": "120.5", "sex": "Nữ", "email": "an@example.vn", "phone": "0912345678",
        "id_number": "001099012345",
    }
    assert json.loads(json.dumps(answers)) == answers


def test_empty_optional_answers_are_blank_or_none():
    answers = clean_answers(SPEC, VALID)
    assert answers["note"] == "" and answers["email"] == "" and answers["phone"] == ""
    assert answers["id_number"] == ""
    assert answers["area"] is None


def test_unknown_keys_are_ignored():
    answers = clean_answers(SPEC, {**VALID, "is_admin": "1", "state": "done"})
    assert set(answers) == {item["key"] for item in SPEC}


def test_every_missing_required_answer_is_reported_by_key():
    with pytest.raises(ValidationError) as error:
        clean_answers(SPEC, {"note": "chỉ có ghi chú"})
    assert set(error.value.message_dict) == {"full_name", "birth_date", "sex"}
    assert error.value.error_dict["full_name"][0].code == "required"


def test_a_blank_required_text_is_missing():
    assert errors("text", "   ") == ["This field is required."]


def test_all_errors_are_reported_at_once():
    with pytest.raises(ValidationError) as error:
        clean_answers(SPEC, {**VALID, "birth_date": "31/02/2024", "phone": "12345",
                             "id_number": "123"})
    assert set(error.value.message_dict) == {"birth_date", "phone", "id_number"}


def test_a_query_dict_is_accepted():
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    data.update(VALID)
    assert clean_answers(SPEC, data)["birth_date"] == "2024-03-25"


# --- text ------------------------------------------------------------------------

def test_text_is_stripped_and_limited_to_500_characters():
    assert answer("text", "  Nguyễn Văn An  ") == "Nguyễn Văn An"
    assert answer("text", "a" * 500) == "a" * 500
    assert "500" in errors("text", "a" * 501)[0]


def test_textarea_keeps_lines_and_is_limited_to_5000_characters():
    assert answer("textarea", "dòng 1\ndòng 2") == "dòng 1\ndòng 2"
    assert "5000" in errors("textarea", "a" * 5001)[0]


# --- dates -----------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["25/03/2024", "25/3/2024", "2024-03-25", " 25/03/2024 "])
def test_dates_are_accepted_as_dd_mm_yyyy_or_iso(typed):
    assert answer("date", typed) == "2024-03-25"


def test_the_day_comes_before_the_month():
    assert answer("date", "02/03/2024") == "2024-03-02"


@pytest.mark.parametrize("typed", ["31/02/2024", "03/25/2024", "25-03-24", "hôm qua", "2024/03/25",
                                   "25/03/24"])
def test_impossible_or_ambiguous_dates_are_refused_with_the_expected_format(typed):
    assert errors("date", typed) == ["Enter the date as dd/mm/yyyy, for example 25/03/2024."]


def test_the_29th_of_february_is_a_date_in_leap_years_only():
    assert answer("date", "29/02/2024") == "2024-02-29"
    assert errors("date", "29/02/2023")


# --- numbers ---------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "stored"), [
    ("12", 12), ("0", 0), ("-3", -3), ("12.0", 12), ("1 000 000", 1000000),
    ("1.000.000", 1000000), ("1.500", 1500), ("1.500.000,5", "1500000.5"), ("1,5", "1.5"), ("1.5", "1.5"),
    ("0.1", "0.1"), ("12345678901234567.25", "12345678901234567.25"), ("1.50", "1.50"),
])
def test_numbers_are_stored_exactly_without_float_rounding(typed, stored):
    assert answer("number", typed) == stored


def test_numbers_sent_as_json_values_are_accepted():
    assert answer("number", 7) == 7
    assert answer("number", "0.30000000000000004") == "0.30000000000000004"


@pytest.mark.parametrize("typed", ["mười", "1,2,3", "1.2.3", "NaN", "Infinity", "12abc", "1e"])
def test_things_that_are_not_numbers_are_refused(typed):
    assert errors("number", typed) == ["Enter a number, for example 12 or 1,5."]


def test_numbers_with_too_many_digits_are_refused():
    assert errors("number", "1" * 21)


# --- choices ---------------------------------------------------------------------

def test_a_choice_is_stored_as_its_label():
    assert answer("choice", "Nữ", choices=["Nam", "Nữ"]) == "Nữ"


def test_a_value_outside_the_choices_is_refused():
    message = errors("choice", "Khác", choices=["Nam", "Nữ"])[0]
    assert "Khác" in message


def test_a_required_choice_left_on_the_prompt_is_missing():
    assert errors("choice", "", choices=["Nam", "Nữ"]) == ["This field is required."]


# --- e-mail ----------------------------------------------------------------------

def test_an_email_address_is_accepted():
    assert answer("email", " an.nguyen@example.vn ") == "an.nguyen@example.vn"


@pytest.mark.parametrize("typed", ["an.nguyen", "an@", "@example.vn", "an nguyen@example.vn"])
def test_a_malformed_email_address_is_refused(typed):
    assert errors("email", typed) == ["Enter a valid email address."]


# --- phone -----------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["0912345678", "0912 345 678", "0912.345.678", "+84912345678",
                                   "+84 912 345 678", "+84.912.345.678", " 0912-345-678 "])
def test_phone_numbers_are_normalised_to_ten_digits_starting_with_zero(typed):
    assert answer("phone", typed) == "0912345678"


@pytest.mark.parametrize("typed", ["912345678", "09123456789", "1912345678", "+8491234567",
                                   "0912abc678", "+1 912 345 678", "84912345678", "091234567"])
def test_other_phone_numbers_are_refused_with_an_example(typed):
    assert errors("phone", typed) == [
        "Enter a phone number of 10 digits starting with 0, for example 0912 345 678."]


# --- identification numbers -------------------------------------------------------

@pytest.mark.parametrize("typed", ["001099012345", "001 099 012 345", " 001099012345 "])
def test_id_numbers_of_twelve_digits_are_accepted_with_leading_zeros_kept(typed):
    assert answer("id_number", typed) == "001099012345"


@pytest.mark.parametrize("typed", ["00109901234", "0010990123456", "00109901234a", "001-099-012-345",
                                   "１２３４５６７８９０１２"])
def test_id_numbers_must_be_twelve_digits(typed):
    assert errors("id_number", typed) == ["The identification number must be 12 digits."]
