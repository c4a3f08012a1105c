#!/usr/bin/env bash
# Install Debian's Chromium for the console's browser tests (tests/console/test_browser.py).
# The tests drive /usr/bin/chromium through Playwright for Python; they never download a
# browser of their own (`playwright install` is not used). Safe to run repeatedly.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "Chromium đã có: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "Cần quyền root để cài chromium (apt-get install -y chromium)." >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
/usr/bin/chromium --version
