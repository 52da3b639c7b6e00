"""Write a .po fragment from a {msgid: msgstr} dict in a Python file: `write_po.py SRC.py OUT.po`.

Existing entries of OUT are kept; the dict's entries are added or replace them.
"""

import runpy
import sys
from pathlib import Path

HEADER = (
    'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: ja\\n"\n'
    '"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
)


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def read(path: Path) -> dict:
    entries, msgid = {}, None
    if not path.exists():
        return entries
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgid "):
            msgid = line[6:]
        elif line.startswith("msgstr ") and msgid not in (None, '""'):
            entries[msgid] = line[7:]
    return entries


def main(src: str, out: str) -> None:
    target = Path(out)
    entries = read(target)
    for msgid, msgstr in runpy.run_path(src)["T"].items():
        entries[quote(msgid)] = quote(msgstr)
    body = "".join(f"msgid {k}\nmsgstr {v}\n\n" for k, v in sorted(entries.items()))
    target.write_text(HEADER + body, encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:])
