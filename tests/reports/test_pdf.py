import re
import shutil
import subprocess

import pytest

from reports.builder import ReportOptions
from reports.output import write_report

pytestmark = [
    pytest.mark.skipif(
        not shutil.which("chromium"), reason="Chromium (Debian package chromium) draws the charts"
    ),
    pytest.mark.skipif(
        not (shutil.which("pdftotext") and shutil.which("pdffonts")), reason="poppler-utils reads the PDF"
    ),
]


def test_pdf_holds_the_years_figures_and_japanese_headings_in_embedded_cjk_fonts(report_data, tmp_path):
    path = write_report(options=ReportOptions(2020, 2019, "official"), fmt="pdf", path=tmp_path / "r.pdf")
    assert path.read_bytes().startswith(b"%PDF")
    assert not list(tmp_path.glob(".*.part")), "the temporary file was renamed"
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout
    text = text.decode("utf-8")
    flat = re.sub(r"\s+", "", text)
    for heading in (
        "令和2年度（FY2020）",
        "取組状況",
        "指標①時間外勤務80時間超の教職員の割合",
        "指標③ストレスチェック",
        "月別の値",
        "年度の値",
        "1学校業務の適正化、精査・精選",
        "(1)学校業務の適正化",
        "プール清掃業務の委託【拡充】",
    ):
        assert heading in flat, heading
    assert "新型コロナウイルス感染症の影響" in flat  # the year's commentary
    assert "18.2%" in text and "24.2%" in text  # all types, FY2020 and FY2019
    assert "10.0%" not in text  # elementary: one school, withheld from officials (fewer than 3 schools)
    assert "33.3%" not in text, "special needs: fewer than 5 staff, suppressed for officials"
    assert "196校" in flat and "440校" in flat  # the KPI, this year and next year's plan
    assert "提出校数／対象校数R2" in flat  # each monthly table says how many schools reported

    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows, fonts
    assert any("CJK" in row[0] for row in rows), fonts
    for row in rows:
        # columns: name, type…, encoding, emb, sub, uni, object, id — "emb" is the 5th from the end
        assert row[-5] == "yes", f"font not embedded: {row[0]}"
