"""Shared fixtures. The tests run on SQLite by default and on PostgreSQL when
DATABASE_URL points there (the settings read it)."""

from __future__ import annotations

import pytest

from tests.factories import OfficialFactory, UnitFactory


@pytest.fixture(autouse=True, scope="session")
def _quick_password_hashing():
    """Officials are created by the hundred in tests; the production hasher spends half a
    second on each password on purpose. Hashing itself is Django's, tested by Django."""
    from django.conf import settings
    from django.contrib.auth import hashers

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    hashers.get_hashers.cache_clear()
    hashers.get_hashers_by_algorithm.cache_clear()


@pytest.fixture(autouse=True, scope="session")
def _concurrent_reads_closed(django_db_setup):
    """The dashboards' worker threads keep a database connection each (PostgreSQL, outside
    a transaction: browser tests, transactional tests); they are closed before the test
    database is dropped."""
    yield
    from chinhquyenso.indicators import concurrent_reads

    concurrent_reads.shutdown()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Files a test writes stay in its temporary directory: uploads, and what the demo
    writes under VAR_DIR (its certificate authority) and into the trust store."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path / "var"
    settings.CQS_TRUST_DIR = tmp_path / "trust"


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Each test starts with empty caches: the database is rolled back between tests,
    so ids are reused and cached calendars would belong to another test's agency."""
    from django.core.cache import cache

    from chinhquyenso.dossiers import procedure_parts
    from chinhquyenso.indicators import measures
    from chinhquyenso.org import queries

    cache.clear()
    queries._calendars.clear()
    measures._catalogue_cache.clear()
    procedure_parts.forget()


@pytest.fixture
def province(db):
    return UnitFactory(code="26", name="Tỉnh Vĩnh Phúc", unit_type="tinh")


@pytest.fixture
def city(province):
    return UnitFactory(code="243", name="Thành phố Vĩnh Yên", unit_type="thanh_pho", parent=province)


@pytest.fixture
def ward(city):
    return UnitFactory(code="8707", name="Phường Tích Sơn", unit_type="phuong", parent=city)


@pytest.fixture
def other_ward(city):
    return UnitFactory(code="8710", name="Phường Liên Bảo", unit_type="phuong", parent=city)


@pytest.fixture
def official_with_role(db):
    """official_with_role(role, unit, password=...) → an Official holding that role."""

    def make(role: str, unit, **kwargs):
        return OfficialFactory(roles=[(role, unit)], **kwargs)

    return make
