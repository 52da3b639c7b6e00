"""Print the msgids of the source that no fragment in locale/ja/parts translates."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def catalogue_ids(po: Path) -> set[str]:
    out = subprocess.run(["msgcat", "--no-wrap", str(po)], capture_output=True, text=True, check=True).stdout
    ids, current = set(), None
    for line in out.splitlines():
        if line.startswith("msgid "):
            current = line[7:-1]
        elif line.startswith(("msgstr ", "msgstr[0] ")) and current:
            if line.split(" ", 1)[1][1:-1]:
                ids.add(current)
            current = None
    return ids


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "src"
        shutil.copytree(
            ROOT,
            work,
            ignore=shutil.ignore_patterns(".venv", "staticfiles", "media", ".git", "node_modules", "vendor"),
        )
        env = {**os.environ, "DEBUG": "true"}
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "-l", "ja", "--no-wrap", "-v0"],
            cwd=work,
            env=env,
            check=True,
        )
        wanted = catalogue_ids_all(work / "locale/ja/LC_MESSAGES/django.po")
    translated = set()
    for part in sorted((ROOT / "locale/ja/parts").glob("*.po")):
        translated |= catalogue_ids(part)
    missing = sorted(wanted - translated)
    for msgid in missing:
        print(msgid)
    print(f"{len(missing)} untranslated of {len(wanted)}", file=sys.stderr)
    return 0


def catalogue_ids_all(po: Path) -> set[str]:
    ids = set()
    for line in po.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgid ") and line != 'msgid ""':
            ids.add(line[7:-1])
    return ids


if __name__ == "__main__":
    sys.exit(main())
