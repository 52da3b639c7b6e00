"""JavaScript per page as the browser downloads it, in the default set-up (compressed, hashed names).

Usage: .venv/bin/python bench/static_js.py
Uses the database of DATABASE_URL (default the SQLite file; run `manage.py load_demo` first) and
the collected static files (`manage.py collectstatic`, which `make demo` runs). Each page is fetched
through the full stack as board staff; then every script it names is fetched through WhiteNoise, as
a browser would, with `Accept-Encoding: gzip, br` (what every current browser sends) and with
`gzip` only, and the bytes on the wire are summed. Also prints the Cache-Control WhiteNoise sends.
"""

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.test import Client  # noqa: E402

PAGES = ["/", "/indicators/overtime_80h/", "/indicators/stress/", "/indicators/leave/", "/schools/E001/"]
TARGET_KB = 350


def served(client: Client, url: str, encoding: str) -> tuple[int, str, str]:
    response = client.get(url, HTTP_ACCEPT_ENCODING=encoding)
    assert response.status_code == 200, (url, response.status_code)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return len(body), response.get("Content-Encoding", "identity"), response.get("Cache-Control", "")


def main() -> None:
    settings.ALLOWED_HOSTS.append("testserver")
    print(f"static storage: {settings.STORAGES['staticfiles']['BACKEND']}")
    client = Client()
    client.force_login(User.objects.get(username="board"))
    static = "/" + settings.STATIC_URL.lstrip("/")
    worst = 0
    print(f"{'page':30} {'scripts':>7} {'raw KB':>8} {'gzip KB':>8} {'br KB':>7}  cache-control")
    for page in PAGES:
        html = client.get(page).content.decode()
        scripts = re.findall(r'<script[^>]+src="(' + re.escape(static) + r'[^"]+)"', html)
        raw = gz = br = 0
        control = ""
        for src in scripts:
            raw += served(client, src, "identity")[0]
            gz += served(client, src, "gzip")[0]
            size, encoding, control = served(client, src, "gzip, br")
            br += size
        worst = max(worst, br)
        print(f"{page:30} {len(scripts):7d} {raw / 1024:8.0f} {gz / 1024:8.0f} {br / 1024:7.0f}  {control}")
    verdict = "met" if worst <= TARGET_KB * 1024 else "NOT met"
    print(f"\nlargest page: {worst / 1024:.0f} KB of JavaScript (br); target <= {TARGET_KB} KB: {verdict}")


if __name__ == "__main__":
    main()
