#!/bin/sh
# Debian packages Bilge needs on this machine, installed when missing (root with apt-get, as on CI).
#   scripts/ensure_test_system.sh        for the tests: Chromium for the browser tests, GNU gettext
#                                        for the check that the catalogues match the code, and Pango
#   scripts/ensure_test_system.sh run    for `make run`: only Pango (WeasyPrint lays out the PDFs
#                                        with it; see docs/installation.md)
# Without root or apt-get it says what is missing: the tests that need it skip with the reason,
# and the PDF pages answer with an error while Pango is missing.
set -e
need=""
if [ "$1" != "run" ]; then
  command -v chromium >/dev/null 2>&1 || need="$need chromium"
  command -v xgettext >/dev/null 2>&1 || need="$need gettext"
fi
for lib in libpango-1.0-0 libpangoft2-1.0-0; do
  dpkg-query -W -f='${Status}' "$lib" 2>/dev/null | grep -q "ok installed" || need="$need $lib"
done
if [ -n "$need" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian packages:$need"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
  else
    echo "Not root or no apt-get: cannot install$need; what needs it will say so." >&2
  fi
fi
