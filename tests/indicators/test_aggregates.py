"""The aggregates the indicators read: kept current by the dossier services, equal to a
rebuild from scratch and to counting the dossiers themselves (see conftest.py for the
hand-computed fixture)."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.db.models import F, Q
from django.utils import timezone

from chinhquyenso.core.models import AuditEntry
from chinhquyenso.dossiers import services as svc
from chinhquyenso.dossiers.models import FINISHED_STATES, Channel, Dossier, Rating
from chinhquyenso.indicators import aggregates
from chinhquyenso.indicators.computation import FORMULAS, compute, parse_period, unit_ids
from chinhquyenso.indicators.models import (
    DailyTally,
    Indicator,
    Metric,
    MonthlyTally,
    MonthlyUnitTally,
)
from chinhquyenso.org.services import create_successor, create_unit
from tests.dossiers.conftest import at

pytestmark = pytest.mark.django_db

RANGES = [parse_period(p) for p in ("2026", "2026-Q4", "2026-10", "2026-11", "2026-12")]
DAYS = [(date(2026, 11, 26), date(2026, 11, 26)), (date(2026, 11, 27), date(2026, 12, 31)),
        (date(2026, 10, 15), date(2026, 11, 26)), (date(2026, 10, 16), date(2026, 11, 25))]


def tables() -> dict:
    """Every non-zero cell of the three tables."""
    return {
        "daily": sorted(DailyTally.objects.exclude(total=0).values_list(
            "unit_id", "day", "procedure_id", "agency_id", "metric", "total")),
        "monthly": sorted(MonthlyTally.objects.exclude(total=0).values_list(
            "unit_id", "month", "procedure_id", "metric", "total")),
        "unit_monthly": sorted(MonthlyUnitTally.objects.exclude(total=0).values_list(
            "unit_id", "month", "metric", "total")),
    }


def counted_from_dossiers(code: str, ids, start: date, end: date) -> tuple[int, int]:
    """The indicator counted on the dossiers themselves, the way it was computed before
    the aggregates existed: the reference the aggregates must equal."""
    zone = timezone.get_default_timezone()
    since = datetime.combine(start, time.min, tzinfo=zone)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
    mine = Dossier.objects.filter(agency__unit_id__in=ids)
    received = mine.filter(received_at__gte=since, received_at__lt=until)
    finished = mine.filter(state__in=FINISHED_STATES, finished_at__gte=since, finished_at__lt=until)
    ratings = Rating.objects.filter(dossier__agency__unit_id__in=ids, created_at__gte=since,
                                    created_at__lt=until)
    late = finished.filter(finished_at__gt=F("due_at")).count()
    return {
        "ho-so-truc-tuyen": (received.filter(channel=Channel.ONLINE).count(), received.count()),
        "ho-so-dung-han": (finished.count() - late, finished.count()),
        "ho-so-dung-du-lieu-dan-cu": (received.filter(uses_population_data=True).count(), received.count()),
        "ho-so-ket-qua-dien-tu": (finished.filter(result_electronic=True).count(), finished.count()),
        "hai-long": (ratings.filter(satisfied=True).count(), ratings.count()),
        "ho-so-toan-trinh": (received.filter(channel=Channel.ONLINE,
                                             procedure__service_level="full_online").count(), received.count()),
        "ho-so-dang-nhap-vneid": (received.filter(eid_level__gt=0).count(),
                                  received.filter(channel=Channel.ONLINE).count()),
        "ho-so-duoc-ho-tro": (received.filter(channel=Channel.ONLINE, assisted_by__isnull=False).count(), None),
    }[code]


def assert_agree_with_dossiers(*units):
    for unit in units:
        ids = unit_ids(unit)
        for start, end in [(p.start, p.end) for p in RANGES] + DAYS:
            for code in FORMULAS:
                r = compute(Indicator.objects.get(code=code), unit=unit, start=start, end=end)
                assert (r.numerator, r.denominator) == counted_from_dossiers(code, ids, start, end), \
                    (unit.name, code, start, end)


def assert_rebuild_changes_nothing():
    kept = tables()
    aggregates.rebuild_aggregates()
    assert tables() == kept


def test_the_fixture_is_counted_once_in_each_table(dossiers, ward, other_ward, birth):
    nov, oct_ = date(2026, 11, 1), date(2026, 10, 1)
    got = {(metric, month): total for unit_id, month, metric, total in tables()["unit_monthly"]
           if unit_id == ward.pk}
    assert got == {(Metric.RECEIVED, nov): 3, (Metric.RECEIVED_ONLINE, nov): 2,
                   (Metric.FINISHED, nov): 3, (Metric.FINISHED_LATE, nov): 1,
                   (Metric.FINISHED_ELECTRONIC, nov): 3,
                   (Metric.RATED, nov): 1, (Metric.RATED_SATISFIED, nov): 1,
                   (Metric.RECEIVED_FULL_ONLINE_ELIGIBLE, nov): 3, (Metric.RECEIVED_FULLY_ONLINE, nov): 2,
                   (Metric.RECEIVED_DIGITISED, nov): 3, (Metric.RECEIVED_EID, nov): 1}
    daily = {(day, metric): total for unit_id, day, procedure_id, agency_id, metric, total
             in tables()["daily"] if unit_id == ward.pk}
    assert daily[(date(2026, 11, 26), Metric.RECEIVED)] == 3
    assert daily[(date(2026, 11, 26), Metric.FINISHED)] == 1      # online_early
    assert daily[(date(2026, 11, 27), Metric.FINISHED)] == 2      # online_late, counter_on_time
    assert daily[(date(2026, 11, 27), Metric.FINISHED_LATE)] == 1
    assert all(p == birth.pk for _u, _d, p, _a, _m, _t in tables()["daily"])
    assert (other_ward.pk, oct_, Metric.RECEIVED, 1) in tables()["unit_monthly"]  # other_october


def test_kept_aggregates_follow_every_change_and_equal_a_rebuild(
        dossiers, birth, submit, citizen, counter, specialist, leader, ward, other_ward, city):
    assert_agree_with_dossiers(ward, other_ward, city)
    assert_rebuild_changes_nothing()

    # Withdrawn before receipt: counts nowhere. Received, then withdrawn: still received.
    svc.withdraw_dossier(dossier_id=dossiers["not_received"].pk, actor=citizen, at=at(27, 11, 8))
    received = submit(birth, when=at(30, 11, 9))
    svc.receive_dossier(dossier_id=received.pk, actor=counter, at=at(30, 11, 9, 30))
    svc.withdraw_dossier(dossier_id=received.pk, actor=citizen, reason="Nộp nhầm", at=at(30, 11, 10))
    svc.approve_withdrawal(dossier_id=received.pk, actor=leader, at=at(30, 11, 11))
    # Refused: never received. Stopped after receipt: received, never finished.
    refused = submit(birth, when=at(30, 11, 9), by=counter)
    svc.refuse_dossier(dossier_id=refused.pk, actor=counter, reason="Thiếu giấy tờ", at=at(30, 11, 10))
    stopped = submit(birth, when=at(30, 11, 9), by=counter)
    svc.receive_dossier(dossier_id=stopped.pk, actor=counter, at=at(30, 11, 9))
    svc.stop_dossier(dossier_id=stopped.pk, actor=leader, reason="Người dân đề nghị", at=at(1, 12, 9))
    # Received just after midnight local time (still 30/11 in UTC): counted on 1/12.
    midnight = submit(birth, when=at(30, 11, 23))
    svc.receive_dossier(dossier_id=midnight.pk, actor=counter, at=at(1, 12, 0, 30))
    # A supplement moves the due time; finished in December, on time, then returned and rated.
    svc.request_supplement(dossier_id=midnight.pk, actor=counter, reason="Bổ sung giấy chứng sinh",
                           at=at(1, 12, 8))
    from tests.dossiers.conftest import pdf_upload

    svc.supplement_dossier(dossier_id=midnight.pk, actor=citizen, files=[pdf_upload("bs.pdf")],
                           at=at(3, 12, 9))
    svc.assign_dossier(dossier_id=midnight.pk, actor=leader, assignee=specialist, at=at(3, 12, 9, 5))
    svc.start_processing(dossier_id=midnight.pk, actor=specialist, at=at(3, 12, 9, 10))
    svc.attach_result(dossier_id=midnight.pk, actor=specialist, uploaded_file=pdf_upload("kq.pdf"),
                      at=at(3, 12, 9, 15))
    svc.forward_dossier(dossier_id=midnight.pk, actor=specialist, at=at(3, 12, 9, 20))
    svc.forward_dossier(dossier_id=midnight.pk, actor=leader, at=at(3, 12, 10))
    svc.return_result(dossier_id=midnight.pk, actor=counter, at=at(3, 12, 11))
    svc.rate_dossier(dossier_id=midnight.pk, actor=citizen, satisfied=False, at=at(4, 12, 8))

    midnight.refresh_from_db()
    assert aggregates.local_day(midnight.received_at) == date(2026, 12, 1)
    assert midnight.result_electronic and midnight.finished_at == at(3, 12, 10)
    online = Indicator.objects.get(code="ho-so-truc-tuyen")
    r = compute(online, unit=ward, **{"start": date(2026, 11, 1), "end": date(2026, 11, 30)})
    assert (r.numerator, r.denominator) == (3, 5)   # + the withdrawn (online) and stopped (counter)
    r = compute(online, unit=ward, start=date(2026, 12, 1), end=date(2026, 12, 31))
    assert (r.numerator, r.denominator) == (1, 1)
    r = compute(Indicator.objects.get(code="hai-long"), unit=city, start=date(2026, 12, 1),
                end=date(2026, 12, 31))
    assert (r.numerator, r.denominator, r.value) == (0, 1, 0)
    assert_agree_with_dossiers(ward, other_ward, city)
    assert_rebuild_changes_nothing()


def test_rebuild_from_an_empty_table_gives_the_kept_aggregates(dossiers, ward, city):
    kept = tables()
    DailyTally.objects.all().delete()
    MonthlyTally.objects.all().delete()
    MonthlyUnitTally.objects.all().delete()
    assert compute(Indicator.objects.get(code="ho-so-truc-tuyen"), unit=city,
                   start=date(2026, 11, 1), end=date(2026, 11, 30)).denominator == 0
    call_command("rebuild_indicators", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert tables() == kept
    assert AuditEntry.objects.filter(action="indicator.rebuild_aggregates").count() == 1
    assert_agree_with_dossiers(ward, city)


def test_the_dossiers_behind_each_number(dossiers, ward, city):
    ids = unit_ids(city)
    nov = parse_period("2026-11")
    for code, formula in FORMULAS.items():
        numerator, denominator = counted_from_dossiers(code, ids, nov.start, nov.end)
        for name, expected in ((formula.numerator_set, numerator), (formula.denominator_set, denominator)):
            if name is None:  # a count: no denominator
                assert expected is None
                continue
            found = aggregates.dossiers_behind(Dossier.objects.all(), dossier_set=name, unit_ids=ids,
                                               start=nov.start, end=nov.end)
            assert found.count() == expected, (code, name)
    late = aggregates.dossiers_behind(Dossier.objects.all(), dossier_set="finished_late",
                                      unit_ids=unit_ids(ward), start=nov.start, end=nov.end)
    assert list(late) == [dossiers["online_late"]]


def test_roll_up_of_merged_wards_reads_the_aggregates_of_their_predecessors(
        dossiers, ward, other_ward, django_assert_max_num_queries):
    new_province = create_unit(code="25", name="Tỉnh Phú Thọ", unit_type="tinh", valid_from=date(2026, 12, 1))
    merged = create_successor(predecessors=[ward, other_ward], code="8707", name="Phường Vĩnh Yên",
                              unit_type="phuong", effective_on=date(2026, 12, 1), parent=new_province)
    # Nothing was received by the new ward itself: its figures are its predecessors'.
    assert not MonthlyUnitTally.objects.filter(unit=merged).exists()
    assert unit_ids(merged) == {merged.pk, ward.pk, other_ward.pk}
    assert aggregates.totals(unit_ids(merged), date(2026, 1, 1), date(2026, 12, 31)) == {
        Metric.RECEIVED: 5, Metric.RECEIVED_ONLINE: 3, Metric.FINISHED: 3, Metric.FINISHED_LATE: 1,
        Metric.FINISHED_ELECTRONIC: 3, Metric.RATED: 1, Metric.RATED_SATISFIED: 1,
        Metric.RECEIVED_FULL_ONLINE_ELIGIBLE: 5, Metric.RECEIVED_FULLY_ONLINE: 3, Metric.RECEIVED_DIGITISED: 5,
        Metric.RECEIVED_EID: 1}
    assert_agree_with_dossiers(merged, new_province)
    # Whole months: one query on the monthly table; edges add one on the daily table.
    ids = unit_ids(merged)
    with django_assert_max_num_queries(1):
        aggregates.totals(ids, date(2026, 1, 1), date(2026, 12, 31))
    with django_assert_max_num_queries(2):
        aggregates.totals(ids, date(2026, 10, 15), date(2026, 12, 31))


def test_a_change_that_counts_nothing_writes_nothing(dossiers, django_assert_num_queries):
    dossier = Dossier.objects.select_related("agency").get(pk=dossiers["other_counter"].pk)
    before = aggregates.snapshot(dossier)
    dossier.state = "assigned"  # still received, still open: the same cells
    with django_assert_num_queries(0):
        aggregates.on_dossier_change(dossier, before=before)


@pytest.mark.parametrize("start,end,months,edges", [
    (date(2026, 1, 1), date(2026, 12, 31), (date(2026, 1, 1), date(2026, 12, 1)), []),
    (date(2026, 11, 1), date(2026, 11, 30), (date(2026, 11, 1), date(2026, 11, 1)), []),
    (date(2026, 11, 2), date(2026, 11, 30), None, [(date(2026, 11, 2), date(2026, 11, 30))]),
    (date(2026, 10, 15), date(2026, 12, 2), (date(2026, 11, 1), date(2026, 11, 1)),
     [(date(2026, 10, 15), date(2026, 10, 31)), (date(2026, 12, 1), date(2026, 12, 2))]),
    (date(2026, 2, 28), date(2026, 3, 1), None, [(date(2026, 2, 28), date(2026, 3, 1))]),
])
def test_ranges_split_into_whole_months_and_edge_days(start, end, months, edges):
    assert aggregates.split_range(start, end) == (months, edges)


def test_q_objects_used_for_links_name_existing_sets():
    assert set(aggregates.DOSSIER_SETS) == set(aggregates._sets())
    for formula in FORMULAS.values():
        assert {formula.numerator_set, formula.denominator_set} - {None} <= set(aggregates.DOSSIER_SETS)
        assert formula.numerator_set is not None and (formula.denominator is None) == (formula.denominator_set is None)
    assert isinstance(aggregates._sets()["received"][1], Q)


def total(rows, key) -> int:
    return next((r[-1] for r in rows if r[:-1] == key), 0)


def test_changes_reach_every_table_in_one_statement_and_month_neutral_ones_only_the_days(
        dossiers, ward, birth, django_assert_num_queries):
    """A change adds to the three tables (one statement on PostgreSQL, one per table on
    SQLite); one that moves a count between two days of a month leaves the months alone."""
    from collections import Counter

    from django.db import connection

    dossier = Dossier.objects.select_related("agency").get(pk=dossiers["online_early"].pk)
    unit, agency = dossier.agency.unit_id, dossier.agency_id
    before = tables()
    metric = int(Metric.RECEIVED)
    first, second = date(2026, 11, 3), date(2026, 11, 20)
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 3):
        aggregates.apply_changes(Counter({(unit, agency, birth.pk, metric, first): 2}))
    after = tables()
    assert (unit, first, birth.pk, agency, metric, 2) in after["daily"]
    month = date(2026, 11, 1)
    assert total(after["monthly"], (unit, month, birth.pk, metric)) == \
        total(before["monthly"], (unit, month, birth.pk, metric)) + 2
    assert total(after["unit_monthly"], (unit, month, metric)) == \
        total(before["unit_monthly"], (unit, month, metric)) + 2

    with django_assert_num_queries(1):
        aggregates.apply_changes(Counter({(unit, agency, birth.pk, metric, first): -1,
                                          (unit, agency, birth.pk, metric, second): 1}))
    moved = tables()
    assert (unit, first, birth.pk, agency, metric, 1) in moved["daily"]
    assert (unit, second, birth.pk, agency, metric, 1) in moved["daily"]
    assert (moved["monthly"], moved["unit_monthly"]) == (after["monthly"], after["unit_monthly"])


def test_postgresql_writes_the_tables_in_the_order_of_the_other_databases(dossiers, birth):
    """The one statement writes daily, then monthly, then per-unit rows, as the three
    statements on SQLite (and before) did: concurrent changes lock rows in one order."""
    from collections import Counter

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the one-statement upsert is PostgreSQL's")
    dossier = Dossier.objects.select_related("agency").get(pk=dossiers["online_early"].pk)
    tables_in_order = [m._meta.db_table for m in (DailyTally, MonthlyTally, MonthlyUnitTally)]
    with connection.cursor() as cursor:  # undone with the test's transaction
        cursor.execute("CREATE TEMPORARY TABLE written (n serial, tbl text)")
        cursor.execute("CREATE FUNCTION note_written() RETURNS trigger LANGUAGE plpgsql AS "
                       "$$ BEGIN INSERT INTO written (tbl) VALUES (TG_TABLE_NAME); RETURN NEW; END $$")
        for table in tables_in_order:
            cursor.execute(f'CREATE TRIGGER note_written BEFORE INSERT ON "{table}" '
                           "FOR EACH ROW EXECUTE FUNCTION note_written()")
    aggregates.apply_changes(Counter({(dossier.agency.unit_id, dossier.agency_id, birth.pk,
                                       int(Metric.RECEIVED), date(2026, 11, 3)): 1}))
    with connection.cursor() as cursor:
        cursor.execute("SELECT tbl FROM written ORDER BY n")
        assert [row[0] for row in cursor.fetchall()] == tables_in_order
