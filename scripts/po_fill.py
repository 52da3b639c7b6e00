"""Fill Japanese translations into locale/ja/LC_MESSAGES/django.po from a JSON file.

    flock /tmp/reform-po.lock .venv/bin/python scripts/po_fill.py translations.json

translations.json maps each English msgid to its Japanese text ({"Save": "保存"}). The script
runs `make messages` (so new strings of the code and templates are in the catalogue), writes the
Japanese into the entries whose msgid matches (replacing an empty or fuzzy msgstr; a translated
entry is changed only with --force), drops their fuzzy flag and the obsolete entries (#~, strings
no longer in the code) and compiles the catalogue again.
Plural entries (msgid_plural) are left alone: edit them by hand. Prints the msgids not found.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "ja" / "LC_MESSAGES" / "django.po"
QUOTED = re.compile(r'^"(.*)"$')


def _unquote(text):
    return json.loads(f'"{text}"')


def _quote(text):
    return json.dumps(text, ensure_ascii=False)


def _strings(lines, keyword):
    """The text of `keyword "…"` and the quoted continuation lines after it, or None."""
    for index, line in enumerate(lines):
        if line.startswith(keyword + " "):
            parts = [line[len(keyword) + 1 :]]
            for follow in lines[index + 1 :]:
                if not QUOTED.match(follow):
                    break
                parts.append(follow)
            return "".join(_unquote(QUOTED.match(part).group(1)) for part in parts), index, len(parts)
    return None


def _obsolete(block):
    """An entry makemessages kept as #~ because its string left the code."""
    lines = [line for line in block.strip("\n").split("\n") if line]
    entries = [line for line in lines if not line.startswith("#,")]  # flags stay outside the #~
    return bool(entries) and all(line.startswith("#~") for line in entries)


def fill(blocks, translations, force):
    found = set()
    for position, block in enumerate(blocks):
        lines = block.split("\n")
        if any(line.startswith("msgid_plural") for line in lines):
            continue
        msgid = _strings(lines, "msgid")
        msgstr = _strings(lines, "msgstr")
        if not msgid or not msgstr or msgid[0] not in translations:
            continue
        found.add(msgid[0])
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        if msgstr[0] and not fuzzy and not force:
            continue
        _, start, length = msgstr
        lines[start : start + length] = [f"msgstr {_quote(translations[msgid[0]])}"]
        lines = [
            line
            if not (line.startswith("#,") and "fuzzy" in line)
            else ", ".join(flag for flag in line.split(", ") if flag.strip("#, ") != "fuzzy")
            for line in lines
        ]
        lines = [line for line in lines if line.strip() not in ("#", "#,")]
        lines = [line for line in lines if not line.startswith("#| ")]  # the fuzzy guess's source
        blocks[position] = "\n".join(lines)
    return found


def main(argv):
    force = "--force" in argv
    paths = [arg for arg in argv if arg != "--force"]
    if len(paths) != 1:
        sys.exit(__doc__)
    translations = json.loads(Path(paths[0]).read_text(encoding="utf-8"))
    subprocess.run(["make", "-s", "messages"], cwd=ROOT, check=True)
    blocks = PO.read_text(encoding="utf-8").split("\n\n")
    blocks = [block for block in blocks if not _obsolete(block)]
    found = fill(blocks, translations, force)
    PO.write_text("\n\n".join(blocks), encoding="utf-8")
    subprocess.run(["msgfmt", "--check", "-o", str(PO.with_suffix(".mo")), str(PO)], cwd=ROOT, check=True)
    for missing in sorted(set(translations) - found):
        print(f"not in the catalogue: {missing!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
