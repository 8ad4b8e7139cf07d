#!/bin/sh
# While the assets app has not been released, its schema is one initial migration: regenerate it
# after changing bilge/assets/models (serialised with a lock, several people may run it at once).
# Other apps' migrations depend on assets 0001_initial, so it is first emptied (not deleted), the
# full schema is generated as 0002 and then moved into 0001.
set -e
cd "$(dirname "$0")/.."
exec 9>/tmp/bilge-assets-migration.lock
flock 9
M=bilge/assets/migrations
printf 'from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    initial = True\n    dependencies = []\n    operations = []\n' > $M/0001_initial.py
rm -f $M/0002_*.py
BILGE_DATA_DIR=${BILGE_DATA_DIR:-/tmp/bilge-mig} .venv/bin/bilge makemigrations assets --name full >/dev/null
.venv/bin/python - <<'PY'
import pathlib
m = pathlib.Path("bilge/assets/migrations")
[new] = list(m.glob("0002_full.py"))
import re

text = re.sub(r"\n\s*\(['\"]assets['\"], ['\"]0001_initial['\"]\),", "", new.read_text())
# The service desk's link to devices (servicedesk 0013) needs this migration; this one needs only
# the ticket table, which exists since servicedesk 0012.
text = re.sub(r"\(['\"]servicedesk['\"], ['\"]0013_[a-z_]+['\"]\)",
              '("servicedesk", "0012_open_service_index_covers_the_queue_filter")', text)
(m / "0001_initial.py").write_text(text)
new.unlink()
PY
.venv/bin/ruff check --fix -q $M || true
echo "bilge/assets/migrations/0001_initial.py regenerated"
