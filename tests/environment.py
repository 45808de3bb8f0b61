"""Loaded with `-p tests.environment` before Django starts: the tests run the
production settings (DEBUG off), which need a SECRET_KEY."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production")
os.environ.pop("REDIS_URL", None)  # tests choose their task backend themselves
# The citizens' login runs against the development identity provider (tests/oidc).
os.environ.setdefault("DEVIDP_ENABLED", "1")
