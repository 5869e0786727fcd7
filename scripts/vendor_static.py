"""Copy the front-end packages' dist files from node_modules into the package's static folder.

Run after `npm ci`. The copies are git-ignored; nothing is ever loaded from a CDN.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "src" / "orchestre" / "web" / "static" / "vendor"

# package name -> (file inside the package, name under static/vendor/)
FILES: dict[str, list[tuple[str, str]]] = {
    "htmx.org": [("dist/htmx.min.js", "htmx.min.js")],
    "alpinejs": [("dist/cdn.min.js", "alpine.min.js")],
    "@fontsource-variable/inter": [
        ("files/inter-latin-wght-normal.woff2", "fonts/inter-latin-wght-normal.woff2"),
        ("files/inter-latin-ext-wght-normal.woff2", "fonts/inter-latin-ext-wght-normal.woff2"),
        ("LICENSE", "fonts/LICENSE-inter.txt"),
    ],
    # The editorial calendar: FullCalendar 7 ships one browser bundle (every view and
    # interaction, with its own Temporal shim), a skeleton stylesheet, themes and locales.
    "fullcalendar": [
        ("all/global.js", "fullcalendar/fullcalendar.global.js"),
        ("skeleton.css", "fullcalendar/skeleton.css"),
        ("themes/classic/global.js", "fullcalendar/theme-classic.global.js"),
        ("themes/classic/theme.css", "fullcalendar/theme-classic.css"),
        ("themes/classic/palette.css", "fullcalendar/palette-classic.css"),
        ("locales/fr/global.js", "fullcalendar/locale-fr.global.js"),
        ("LICENSE.md", "fullcalendar/LICENSE.md"),
    ],
    # The interactive API docs at /api/docs, served from here instead of a CDN.
    "swagger-ui-dist": [
        ("swagger-ui-bundle.js", "swagger-ui/swagger-ui-bundle.js"),
        ("swagger-ui.css", "swagger-ui/swagger-ui.css"),
        ("favicon-32x32.png", "swagger-ui/favicon-32x32.png"),
        ("LICENSE", "swagger-ui/LICENSE"),
    ],
    # The analytics dashboards' charts: the full browser build (PNG export included) and the
    # French locale, registered by its own script before a chart is made.
    "echarts": [
        ("dist/echarts.min.js", "echarts/echarts.min.js"),
        ("i18n/langFR.js", "echarts/lang-fr.js"),
        ("LICENSE", "echarts/LICENSE"),
        ("NOTICE", "echarts/NOTICE"),
    ],
}


def main() -> int:
    if not NODE_MODULES.is_dir():
        print("node_modules is missing: run `npm ci` first", file=sys.stderr)
        return 1
    VENDOR.mkdir(parents=True, exist_ok=True)
    versions: dict[str, str] = {}
    for package, files in FILES.items():
        package_dir = NODE_MODULES / package
        manifest = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
        versions[package] = manifest["version"]
        for source, target in files:
            (VENDOR / target).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(package_dir / source, VENDOR / target)
    (VENDOR / "versions.json").write_text(json.dumps(versions, indent=2) + "\n", encoding="utf-8")
    for package, version in versions.items():
        print(f"vendored {package} {version}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
