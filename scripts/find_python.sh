#!/bin/sh
# Print the path of a Python >= 3.12 on this machine: python3.13, python3.12, python3 on PATH,
# then interpreters installed through pyenv. Exit 1 (with a hint) when there is none.
ok() { "$1" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
for cmd in python3.13 python3.12 python3; do
  path=$(command -v "$cmd" 2>/dev/null) || continue
  if ok "$path"; then "$path" -c 'import sys; print(sys.executable)'; exit 0; fi
done
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for v in $(ls -1 "$root/versions" 2>/dev/null | grep -E '^3\.1[2-9]' | sort -rV); do
    for exe in "$root/versions/$v/bin/python3"; do
      if [ -x "$exe" ] && ok "$exe"; then echo "$exe"; exit 0; fi
    done
  done
fi
echo "No Python 3.12 or newer found. Install python3.13 (or 3.12) with its venv module." >&2
exit 1
