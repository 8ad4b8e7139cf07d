#!/bin/sh
# System packages the tests need: Chromium for the browser tests (the translation checks use
# polib, no gettext binaries). Installed from Debian when missing (root, as on CI); otherwise the
# browser tests say why they skip.
set -e
need=""
command -v chromium >/dev/null 2>&1 || need="$need chromium"
if [ -n "$need" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian packages:$need"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
  else
    echo "Not root or no apt-get: cannot install$need; tests that need it will be skipped with the reason." >&2
  fi
fi
