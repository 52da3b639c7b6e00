import pytest
from django.core.management import CommandError, call_command


def test_the_command_writes_the_report_on_the_jobs_code_path(report_data, tmp_path):
    out = tmp_path / "report.csv"
    call_command("export_annual_report", "--fiscal-year", "2020", "--format", "csv", "-o", str(out))
    text = out.read_text(encoding="utf-8-sig")
    assert "overtime_80h,2020,4,all,all,0,18.2,6,33,0," in text
    assert "overtime_80h,2020,4,type,special_needs,0,X,,,1," in text, "officials' version by default"
    board = tmp_path / "board.csv"
    call_command(
        "export_annual_report",
        "--fiscal-year",
        "2020",
        "--format",
        "csv",
        "--audience",
        "board",
        "-o",
        str(board),
    )
    assert "overtime_80h,2020,4,type,special_needs,0,33.3,1,3,0," in board.read_text(encoding="utf-8-sig")


def test_the_command_refuses_a_year_without_data(report_data, tmp_path):
    with pytest.raises(CommandError, match="FY2030"):
        call_command(
            "export_annual_report", "--fiscal-year", "2030", "--format", "csv", "-o", str(tmp_path / "x")
        )
    assert not list(tmp_path.iterdir()), "no file at all"
