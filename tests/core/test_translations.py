"""Every string a user sees has its Vietnamese translation, and the compiled catalogue
shipped in the repository matches its source."""

import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "chinhquyenso"
ROOT = PACKAGE.parents[1]

pytestmark = pytest.mark.skipif(shutil.which("msgfmt") is None,
                                reason="GNU gettext (msgfmt) is not installed")


def statistics(po: Path) -> str:
    result = subprocess.run(["msgfmt", "--statistics", "-o", "/dev/null", str(po)],
                            capture_output=True, text=True, check=True)
    return result.stderr.strip()


def test_vietnamese_catalogue_is_complete_for_the_current_sources(tmp_path):
    """Re-extract the strings from today's code and templates: none may lack Vietnamese."""
    copy = tmp_path / "chinhquyenso"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "static"))
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "makemessages", "-l", "vi",
                    "--no-obsolete", "--no-location"],
                   cwd=copy, check=True, capture_output=True, env={
                       **__import__("os").environ, "DEBUG": "1"})
    stats = statistics(copy / "locale" / "vi" / "LC_MESSAGES" / "django.po")
    assert "untranslated" not in stats and "fuzzy" not in stats, stats


def test_compiled_catalogue_matches_its_source(tmp_path):
    for language in ("vi", "en"):
        folder = PACKAGE / "locale" / language / "LC_MESSAGES"
        fresh = tmp_path / f"{language}.mo"
        subprocess.run(["msgfmt", "-o", str(fresh), str(folder / "django.po")], check=True)
        with open(fresh, "rb") as a, open(folder / "django.mo", "rb") as b:
            assert gettext.GNUTranslations(a)._catalog == gettext.GNUTranslations(b)._catalog, (
                f"{language}: run `make messages` to recompile django.mo")
