"""Static assets are vendored (no CDN, nothing fetched at run time) and match their pins."""

import hashlib
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
VENDOR = ROOT / "bilge" / "web" / "static" / "vendor"
TEMPLATES = list((ROOT / "bilge").glob("**/templates/**/*.html"))


def test_vendored_files_match_the_manifest_and_the_pinned_versions():
    manifest = json.loads((VENDOR / "MANIFEST.json").read_text())
    pins = json.loads((ROOT / "assets" / "package.json").read_text())["dependencies"]
    assert manifest["packages"] == pins, "run `make vendor` after changing assets/package.json"
    for rel, digest in manifest["files"].items():
        assert hashlib.sha256((VENDOR / rel).read_bytes()).hexdigest() == digest, rel


def test_no_template_loads_anything_from_outside():
    pattern = re.compile(r"""(src|href)\s*=\s*["'](https?:)?//""", re.IGNORECASE)
    offenders = [str(t.relative_to(ROOT)) for t in TEMPLATES if pattern.search(t.read_text(encoding="utf-8"))]
    assert not offenders
    css = (ROOT / "bilge" / "web" / "static" / "web" / "bilge.css").read_text()
    assert "@import" not in css and "url(http" not in css
