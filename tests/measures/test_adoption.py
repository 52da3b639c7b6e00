import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from measures.imports import import_adoptions
from measures.models import Adoption
from metrics.imports.pipeline import ImportFileError
from tests.factories import SchoolFactory


@pytest.fixture
def schools(db):
    return [SchoolFactory(code=f"E{n:03d}") for n in range(1, 5)]


def csv(text: str, encoding="utf-8") -> bytes:
    return text.encode(encoding)


def test_import_creates_rows_and_a_second_run_changes_nothing(plan, schools):
    raw = csv("学校コード,年度,学校名\nE001,2020,第1小\nE002,2020,第2小\nE001,2021,第1小\n")
    outcome = import_adoptions(raw, measure=plan["pool"])
    assert outcome.written and not outcome.errors
    assert (outcome.created, outcome.unchanged, outcome.years) == (3, 0, [2020, 2021])
    again = import_adoptions(raw, measure=plan["pool"])
    assert (again.created, again.unchanged, again.removed) == (0, 3, 0)
    assert Adoption.objects.count() == 3


def test_bad_rows_are_reported_and_nothing_is_written(plan, schools):
    raw = csv(
        "school_code,fiscal_year\n"
        "E001,2020\n"
        "X999,2020\n"  # unknown school
        "E002,二〇二〇\n"  # not a number
        ",2020\n"  # no code
        "E003,1990\n"  # out of range
        "E001,2020\n"  # twice
    )
    outcome = import_adoptions(raw, measure=plan["pool"])
    assert not outcome.written
    assert [(e.row, e.column) for e in outcome.errors] == [
        (3, "school_code"),
        (4, "fiscal_year"),
        (5, "school_code"),
        (6, "fiscal_year"),
        (7, "school_code"),
    ]
    assert "X999" in str(outcome.errors[0])
    assert not Adoption.objects.exists()


def test_dry_run_writes_nothing_but_says_what_would_happen(plan, schools):
    outcome = import_adoptions(
        csv("school_code,fiscal_year\nE001,2020\n"), measure=plan["pool"], dry_run=True
    )
    assert outcome.created == 1 and not outcome.written
    assert not Adoption.objects.exists()


def test_replace_removes_the_years_schools_missing_from_the_file(plan, schools):
    Adoption.objects.create(measure=plan["pool"], school=schools[0], fiscal_year=2020)
    Adoption.objects.create(measure=plan["pool"], school=schools[1], fiscal_year=2020)
    Adoption.objects.create(measure=plan["pool"], school=schools[1], fiscal_year=2019)
    outcome = import_adoptions(
        csv("school_code,fiscal_year\nE001,2020\nE003,2020\n"), measure=plan["pool"], replace=True
    )
    assert (outcome.created, outcome.unchanged, outcome.removed) == (1, 1, 1)
    assert set(Adoption.objects.values_list("school__code", "fiscal_year")) == {
        ("E001", 2020),
        ("E003", 2020),
        ("E002", 2019),  # a year the file does not name is left alone
    }


def test_shift_jis_files_are_read(plan, schools):
    outcome = import_adoptions(csv("学校コード,年度\nE001,2020\n", "cp932"), measure=plan["pool"])
    assert outcome.created == 1


def test_missing_column_is_a_file_error(plan, schools):
    with pytest.raises(ImportFileError):
        import_adoptions(csv("学校コード\nE001\n"), measure=plan["pool"])


def upload(text: str):
    return SimpleUploadedFile("schools.csv", text.encode("utf-8"), content_type="text/csv")


def test_import_page_checks_then_imports(client, board, plan, schools):
    client.force_login(board)
    url = reverse("measures:adoption-import", args=[plan["pool"].pk])
    response = client.post(
        url, {"file": upload("学校コード,年度\nE001,2020\nE002,2020\n"), "action": "check"}
    )
    outcome = response.context["outcome"]
    assert outcome.created == 2 and not outcome.written
    assert not Adoption.objects.exists()
    response = client.post(
        url, {"file": upload("学校コード,年度\nE001,2020\nE002,2020\n"), "action": "import"}
    )
    assert response.context["outcome"].written
    assert Adoption.objects.filter(measure=plan["pool"], fiscal_year=2020).count() == 2


def test_import_page_names_the_bad_row(client, board, plan, schools):
    client.force_login(board)
    url = reverse("measures:adoption-import", args=[plan["pool"].pk])
    response = client.post(url, {"file": upload("学校コード,年度\nE001,2020\nZ1,2020\n"), "action": "import"})
    (error,) = response.context["outcome"].errors
    assert (error.row, error.column) == (3, "school_code")
    page = response.content.decode().replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert f'<td class="num">3</td><td>school_code</td><td>{error.message}</td>' in page
    assert not Adoption.objects.exists()


def test_import_page_reports_an_unreadable_file(client, board, plan, schools):
    client.force_login(board)
    url = reverse("measures:adoption-import", args=[plan["pool"].pk])
    response = client.post(url, {"file": upload(""), "action": "import"})
    assert response.status_code == 200 and response.context["form"].errors


def test_board_adds_and_removes_schools_with_the_form(client, board, plan, schools):
    client.force_login(board)
    url = reverse("measures:adoption", args=[plan["pool"].pk])
    response = client.post(url, {"action": "add", "fiscal_year": 2020, "school_codes": "E001, E002\nE003"})
    assert response.status_code == 302
    assert Adoption.objects.filter(fiscal_year=2020).count() == 3
    response = client.post(url, {"action": "add", "fiscal_year": 2020, "school_codes": "E001 NOPE"})
    assert "NOPE" in response.content.decode()
    first = Adoption.objects.get(school__code="E001")
    client.post(url, {"action": "remove", "adoption": [first.pk], "year": 2020})
    assert set(Adoption.objects.values_list("school__code", flat=True)) == {"E002", "E003"}


def test_officials_see_counts_but_no_school_rows(client, official, plan, schools):
    for school in schools:
        Adoption.objects.create(measure=plan["pool"], school=school, fiscal_year=2020)
    client.force_login(official)
    body = client.get(reverse("measures:detail", args=[plan["pool"].pk])).content.decode()
    assert "E001" not in body  # no school codes on the page
    assert client.get(reverse("measures:adoption", args=[plan["pool"].pk])).status_code == 404
    assert Adoption.objects.restrict(official).count() == 0


def test_principal_sees_only_their_school_adoption_rows(principal_a, school_a, school_b, plan):
    Adoption.objects.create(measure=plan["pool"], school=school_a, fiscal_year=2020)
    Adoption.objects.create(measure=plan["pool"], school=school_b, fiscal_year=2020)
    assert list(Adoption.objects.restrict(principal_a).values_list("school", flat=True)) == [school_a.pk]
