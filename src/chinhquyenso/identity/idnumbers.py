"""The 12-digit personal identification number (số định danh cá nhân) printed on the
citizen identity card (CCCD / thẻ căn cước).

Structure (Decree 137/2015/NĐ-CP, Circular 07/2016/TT-BCA, kept by the 2023 Law on
Identification):

    digits 1–3   code of the province where the birth was registered (63-province
                 table of Circular 07/2016/TT-BCA; still used after the 2025 merger
                 of provinces, so 026 keeps meaning Vĩnh Phúc)
    digit  4     century of birth and sex: 1900s male 0 / female 1, 2000s 2 / 3,
                 2100s 4 / 5, 2200s 6 / 7, 2300s 8 / 9
    digits 5–6   last two digits of the year of birth
    digits 7–12  a random serial

There is no check digit: a well-formed number with a known province code may be
anybody's (or nobody's) number; only the population database can tell. What this
module checks is that a number is well formed and consistent with a birth date and
sex that are known from elsewhere.

Pure functions, no database: used by the model's validators, the services, the
demo generator and the tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MALE = "male"
FEMALE = "female"

# Annex 1 of Circular 07/2016/TT-BCA: code of the province or centrally-run city where
# the citizen's birth was registered. 63 entries (the provinces before 1 July 2025).
PROVINCE_CODES: dict[str, str] = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hòa Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu",
    "079": "Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}
assert len(PROVINCE_CODES) == 63

# First year of each century the fourth digit can express; the digit is
# 2 × index (+1 for a woman).
CENTURIES = (1900, 2000, 2100, 2200, 2300)
FIRST_YEAR = CENTURIES[0]
LAST_YEAR = CENTURIES[-1] + 99

_TWELVE_DIGITS = re.compile(r"[0-9]{12}")


@dataclass(frozen=True)
class IdNumberInfo:
    """What a well-formed number says about its holder."""

    province_code: str
    province_name: str
    century_start: int
    sex: str
    birth_year_suffix: int

    @property
    def birth_year(self) -> int:
        return self.century_start + self.birth_year_suffix


def century_sex_digit(*, year: int, sex: str) -> int:
    """The fourth digit for a birth in `year` of a person of `sex`."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"year {year} is outside {FIRST_YEAR}–{LAST_YEAR}")
    if sex not in (MALE, FEMALE):
        raise ValueError(f"sex must be {MALE!r} or {FEMALE!r}, not {sex!r}")
    return 2 * ((year - FIRST_YEAR) // 100) + (1 if sex == FEMALE else 0)


def normalize_id_number(value: str) -> str:
    """The number as people type it (`026 090 001 234`, with dots or dashes) reduced to
    its digits; anything else is left for the validator to reject."""
    return re.sub(r"[\s.\-]", "", value or "")


def _check_format(number: str) -> None:
    if not isinstance(number, str) or not _TWELVE_DIGITS.fullmatch(number):
        raise ValidationError(
            _("A personal identification number has exactly 12 digits (0–9)."),
            code="format",
        )


def _check_province(number: str) -> None:
    if number[:3] not in PROVINCE_CODES:
        raise ValidationError(
            _("The first three digits (%(code)s) are not the code of a province of birth "
              "registration (001 Hà Nội … 096 Cà Mau)."),
            code="province", params={"code": number[:3]},
        )


def parse_id_number(number: str) -> IdNumberInfo:
    """Read a number; raises ValidationError (code "format" or "province") if it is
    not a well-formed number with a known province code."""
    _check_format(number)
    _check_province(number)
    digit = int(number[3])
    return IdNumberInfo(
        province_code=number[:3],
        province_name=PROVINCE_CODES[number[:3]],
        century_start=CENTURIES[digit // 2],
        sex=FEMALE if digit % 2 else MALE,
        birth_year_suffix=int(number[4:6]),
    )


def validate_id_number(number: str, *, birth_date: date | None = None,
                       sex: str | None = None) -> None:
    """Raise ValidationError unless `number` is a well-formed personal identification
    number consistent with `birth_date` and `sex` (each checked only when given).

    Error codes, checked in this order (the first failure is raised):
      "format"       not exactly 12 ASCII digits;
      "province"     digits 1–3 are not in the 63-province table;
      "century_sex"  digit 4 does not match the century of the birth date or the sex;
      "birth_year"   digits 5–6 are not the last two digits of the birth year.
    """
    info = parse_id_number(number)
    if birth_date is not None:
        century = (birth_date.year // 100) * 100
        if century != info.century_start:
            raise ValidationError(
                _("The fourth digit (%(digit)s) stands for a birth in %(number_century)s–"
                  "%(number_century_end)s, but the date of birth is in %(year)s."),
                code="century_sex",
                params={"digit": number[3], "number_century": info.century_start,
                        "number_century_end": info.century_start + 99,
                        "year": birth_date.year},
            )
    if sex is not None and sex != info.sex:
        raise ValidationError(
            _("The fourth digit (%(digit)s) does not match the sex: an even digit is "
              "for a man, an odd digit for a woman."),
            code="century_sex", params={"digit": number[3]},
        )
    if birth_date is not None and info.birth_year_suffix != birth_date.year % 100:
        raise ValidationError(
            _("The fifth and sixth digits (%(digits)s) must be the last two digits of the "
              "year of birth (%(year)s)."),
            code="birth_year", params={"digits": number[4:6], "year": birth_date.year},
        )


def validate_id_number_format(number: str) -> None:
    """Field validator: well formed with a known province code (the birth date and sex
    are checked by the model's clean(), which sees the other fields)."""
    parse_id_number(number)


def make_id_number(*, province_code: str, birth_date: date, sex: str, serial: int) -> str:
    """Build the number of a person born on `birth_date` of `sex` whose birth was
    registered in `province_code`, with `serial` (0–999999) as the last six digits."""
    if province_code not in PROVINCE_CODES:
        raise ValueError(f"unknown province code {province_code!r}")
    if not 0 <= serial <= 999_999:
        raise ValueError(f"serial {serial} is outside 0–999999")
    digit = century_sex_digit(year=birth_date.year, sex=sex)
    return f"{province_code}{digit}{birth_date.year % 100:02d}{serial:06d}"
