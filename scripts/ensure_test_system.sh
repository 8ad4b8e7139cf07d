#!/bin/sh
# System packages the tests need: Chromium for the browser tests, GNU gettext for the check that
# the catalogues match the code (run time needs neither). Installed from Debian when missing (root, as on CI); otherwise the
# browser tests say why they skip.
set -e
need=""
command -v chromium >/dev/null 2>&1 || need="$need chromium"
command -v xgettext >/dev/null 2>&1 || need="$need gettext"
if [ -n "$need" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian packages:$need"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
  else
    echo "Not root or no apt-get: cannot install$need; tests that need it will be skipped with the reason." >&2
  fi
fi
