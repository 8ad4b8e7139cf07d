"""Copy the front-end files Bilge serves from assets/node_modules into bilge/web/static/vendor
and write MANIFEST.json (package versions and SHA-256 of each file). Run by `make vendor` after
changing assets/package.json; the copied files are committed, and a test checks that they match
the manifest and the pinned versions (so nothing is fetched at run time, and nothing is stale)."""

import hashlib
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "assets" / "node_modules"
DEST = ROOT / "bilge" / "web" / "static" / "vendor"
FILES = {
    # The source maps are referenced from the minified files: collectstatic's manifest needs them.
    "bootstrap": ["dist/css/bootstrap.min.css", "dist/css/bootstrap.min.css.map",
                  "dist/js/bootstrap.bundle.min.js", "dist/js/bootstrap.bundle.min.js.map"],
    "htmx.org": ["dist/htmx.min.js"],
    # QR decoding on the count screen where the browser has no BarcodeDetector (Apache-2.0).
    "jsqr": ["dist/jsQR.js", "LICENSE"],
}


def main() -> int:
    pins = json.loads((ROOT / "assets" / "package.json").read_text())["dependencies"]
    manifest = {"packages": {}, "files": {}}
    DEST.mkdir(parents=True, exist_ok=True)
    for package, files in FILES.items():
        meta = json.loads((NODE / package / "package.json").read_text())
        if meta["version"] != pins[package]:
            print(f"{package}: installed {meta['version']}, pinned {pins[package]}: run npm ci in assets/")
            return 1
        manifest["packages"][package] = meta["version"]
        for rel in files:
            target = DEST / package / Path(rel).name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(NODE / package / rel, target)
            manifest["files"][str(target.relative_to(DEST))] = hashlib.sha256(target.read_bytes()).hexdigest()
    (DEST / "MANIFEST.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    print(f"vendored {len(manifest['files'])} files into {DEST.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
