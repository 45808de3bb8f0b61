#!/usr/bin/env bash
# Browser tests drive Debian's Chromium at /usr/bin/chromium. Install it when it is
# missing and we can (root with apt-get); otherwise say so: the tests then skip the
# browser tests with a visible notice, except under CI (CI=true), where they fail.
set -u
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> Cài Chromium từ kho gói Debian cho kiểm thử trình duyệt (installing Debian's chromium)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-noto-core >/dev/null \
    && exit 0
  echo "!! Không cài được Chromium (apt-get failed)."
else
  echo "!! Không có Chromium tại $CHROMIUM và không thể tự cài (not root or no apt-get):"
  echo "!! các kiểm thử trình duyệt sẽ bị bỏ qua. Cài gói 'chromium' để chạy chúng."
fi
if [ "${CI:-}" = "true" ]; then
  echo "!! CI=true: thiếu trình duyệt là lỗi (a missing browser fails the CI run)."
  exit 1
fi
exit 0
