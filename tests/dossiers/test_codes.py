"""Dossier codes: agency + date + daily sequence, by a pattern set per procedure; unique
even when many citizens submit at the same moment."""


import pytest

from chinhquyenso.dossiers.models import Dossier
from chinhquyenso.procedures.services import save_procedure
from tests.concurrency import run_at_once
from tests.dossiers.conftest import at

pytestmark = pytest.mark.django_db


def test_code_is_agency_date_and_daily_sequence(birth, submit):
    first = submit(birth, when=at(26, 11, 9))
    second = submit(birth, when=at(26, 11, 10))
    next_day = submit(birth, when=at(27, 11, 9))
    assert first.code == "000.00.21.H62-261126-0001"
    assert second.code == "000.00.21.H62-261126-0002"
    assert next_day.code == "000.00.21.H62-261127-0001"


def test_the_day_is_the_day_in_vietnam(birth, submit):
    from datetime import UTC, datetime

    # 23:30 UTC on the 25th is 06:30 on the 26th in Hà Nội
    dossier = submit(birth, when=datetime(2026, 11, 25, 23, 30, tzinfo=UTC))
    assert "-261126-" in dossier.code


def test_pattern_and_counter_set_per_procedure(birth, submit):
    import copy

    from tests.procedures.conftest import BIRTH

    save_procedure(
        **{
            **copy.deepcopy(BIRTH),
            "dossier_code_pattern": "KS-{yyyy}{mm}-{seq:05d}",
            "code_counter_reset": "monthly",
            "code_counter_scope": "procedure",
        }
    )
    birth.refresh_from_db()
    assert submit(birth, when=at(2, 11, 9)).code == "KS-202611-00001"
    assert submit(birth, when=at(30, 11, 9)).code == "KS-202611-00002"
    assert submit(birth, when=at(1, 12, 9)).code == "KS-202612-00001"


@pytest.mark.parametrize("pattern", ["{agency}-{yymmdd}", "{agency}-{unknown}-{seq}", "{seq:zz}"])
def test_bad_patterns_are_refused(birth, pattern):
    import copy

    from django.core.exceptions import ValidationError

    from tests.procedures.conftest import BIRTH

    with pytest.raises(ValidationError):
        save_procedure(**{**copy.deepcopy(BIRTH), "dossier_code_pattern": pattern})


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_get_distinct_consecutive_codes(birth, submit):
    submitters, per_submitter = 6, 3

    def work(_i):
        return [submit(birth, when=at(26, 11, 9)).code for _ in range(per_submitter)]

    codes = [code for batch in run_at_once(submitters, work) for code in batch]
    expected = {f"000.00.21.H62-261126-{n:04d}" for n in range(1, submitters * per_submitter + 1)}
    assert set(codes) == expected
    assert set(Dossier.objects.values_list("code", flat=True)) == expected
