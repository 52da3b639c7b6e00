"""Write the generated demo data (demo.city) and the seed's measures into the database.

Every step is an upsert keyed on natural keys, so a second run changes nothing. A school-month
created here also gets its history (submitted by the principal, approved by the board, at the
generated times); one stored already keeps the history it has.
"""

import json
import zoneinfo
from decimal import Decimal
from pathlib import Path

import pandas as pd
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.db import connection, transaction

from demo import city as demo_data
from demo.measures import load_demo_extras, load_measures
from demo.staff_loader import load_staff_demo
from metrics.entry.workflow import SOURCE_FORM, SOURCE_REVIEW
from metrics.models import (
    Commentary,
    District,
    Event,
    Indicator,
    MonthlyReport,
    PublishedFigure,
    School,
    SchoolPrincipal,
    SchoolType,
    StressCheckResult,
)
from reform.loading import LoadResult, upsert

MEASURES_FILE = Path(__file__).resolve().parent / "data" / "measures" / "fy2020.json"
DEFAULT_PASSWORD = "reform-demo-2020"

MONTH_FIELDS = MonthlyReport.VALUE_FIELDS
STRESS_FIELDS = ("respondents", "total_health_risk", "workload_control", "support")


def _clean(value):
    """numpy/pandas scalars and NaN to plain Python values."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def _bulk_upsert(
    model, key_fields, value_fields, rows: dict, result: LoadResult, name: str, on_create=None
) -> list:
    """Create missing rows and update differing ones; `rows` maps key tuples to value dicts.

    `on_create` (field -> value) is set on created rows only. Returns the created objects."""
    existing = {
        tuple(obj[f] for f in key_fields): obj
        for obj in model.objects.filter(school_id__in={k[0] for k in rows}).values(
            "pk", *key_fields, *value_fields
        )
    }
    to_create, to_update = [], []
    for key, values in rows.items():
        current = existing.get(key)
        if current is None:
            to_create.append(model(**dict(zip(key_fields, key, strict=True)), **values, **(on_create or {})))
        elif any(_differs(current[f], v) for f, v in values.items()):
            to_update.append(model(pk=current["pk"], **values))
    model.objects.bulk_create(to_create, batch_size=2000)
    if to_update:
        model.objects.bulk_update(to_update, list(value_fields), batch_size=2000)
    result.count(name, created=len(to_create), updated=len(to_update))
    return to_create


def _differs(stored, new) -> bool:
    if stored is None or new is None:
        return stored is not new
    if isinstance(stored, Decimal):
        return stored != Decimal(str(new))
    return stored != new


def _load_schools(data, result):
    types = {t.code: t for t in SchoolType.objects.all()}
    districts = {}
    for order, (code, name_ja, name_en) in enumerate(demo_data.DISTRICTS, start=1):
        districts[code] = upsert(
            District,
            {"code": code},
            {"name_ja": name_ja, "name_en": name_en, "order": order},
            result,
            "districts",
        )
    by_id = {}
    existing = {s.code: s for s in School.objects.all()}
    for row in data.schools.itertuples(index=False):
        values = {
            "name_ja": row.name_ja,
            "name_en": row.name_en,
            "school_type": types[row.school_type],
            "district": districts[row.district],
            "is_demo": True,
        }
        school = existing.get(row.code)
        if school is None:
            school = School.objects.create(code=row.code, **values)
            result.count("schools", created=1)
        elif any(getattr(school, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(school, k, v)
            school.save()
            result.count("schools", updated=1)
        by_id[int(row.school_id)] = school
    return by_id


def _load_months(data, schools, result):
    """The school-months, approved; a month created here gets its history: submitted by the school's
    principal, then approved by the board, at the generated times (local to the board's time zone)."""
    local = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    rows, approved_at = {}, {}
    for rec in data.months.to_dict("records"):
        school = schools[int(rec["school_id"])]
        key = (school.pk, int(rec["fiscal_year"]), int(rec["month"]))
        values = {f: _clean(rec[f]) for f in MONTH_FIELDS}
        values["leave_days_total"] = Decimal(str(round(float(values["leave_days_total"]), 1)))
        values["status"] = MonthlyReport.Status.APPROVED
        values["submitted_at"] = pd.Timestamp(rec["submitted_at"]).to_pydatetime().replace(tzinfo=local)
        approved_at[key] = pd.Timestamp(rec["approved_at"]).to_pydatetime().replace(tzinfo=local)
        rows[key] = values
    created = _bulk_upsert(
        MonthlyReport,
        ("school_id", "fiscal_year", "month"),
        (*MONTH_FIELDS, "status", "submitted_at"),
        rows,
        result,
        "months",
        on_create={"version": 2},  # submitted (1), approved (2)
    )
    _write_history(created, approved_at)


def _write_history(reports: list[MonthlyReport], approved_at: dict) -> None:
    """Two history records per created school-month, copied from it in SQL (a model instance each
    would double the load's time): the principal's submission at its `submitted_at`, then the
    board's approval at the generated time."""
    if not reports:
        return
    history = MonthlyReport.history.model
    table, source = history._meta.db_table, MonthlyReport._meta.db_table
    quote = connection.ops.quote_name
    tracked = [f.column for f in history._meta.concrete_fields if not f.name.startswith("history_")]
    stamped = ["history_date", "history_change_reason", "history_user_id", "history_type"]
    insert = f"INSERT INTO {table} ({', '.join(quote(c) for c in [*tracked, *stamped])}) SELECT "

    def copied(status: str, version: int) -> str:  # our own constants, written into the SQL
        fixed = {"status": f"'{status}'", "version": str(version)}
        return ", ".join(fixed.get(c, f"s.{quote(c)}") for c in tracked)

    principals = (
        f"SELECT {quote('school_id')}, MIN({quote('user_id')}) AS user_id "
        f"FROM {SchoolPrincipal._meta.db_table} GROUP BY {quote('school_id')}"
    )
    # v: (school-month id, approval time) per created month, as a VALUES list filled in per batch
    rows = (
        f"FROM {source} s JOIN (VALUES {{}}) v ON s.{quote('id')} = v.column1 "
        f"LEFT JOIN ({principals}) p ON p.{quote('school_id')} = s.{quote('school_id')}"
    )
    submitted_on = f"s.{quote('submitted_at')}"
    submitted = (
        f"{insert}{copied(MonthlyReport.Status.SUBMITTED, 1)}, {submitted_on}, %s, p.user_id, '+' {rows}"
    )
    approved = f"{insert}{copied(MonthlyReport.Status.APPROVED, 2)}, v.column2, %s, %s, '~' {rows}"
    board = User.objects.filter(username="board").values_list("pk", flat=True).first()
    adapt = connection.ops.adapt_datetimefield_value
    size = min(2000, ((connection.features.max_query_params or 4000) - 2) // 2)
    with connection.cursor() as cursor:
        for start in range(0, len(reports), size):
            batch = reports[start : start + size]
            values = []
            for r in batch:
                values += [r.pk, adapt(approved_at[(r.school_id, r.fiscal_year, r.month)])]
            pairs = ", ".join(["(%s, %s)"] * len(batch))
            cursor.execute(submitted.format(pairs), [SOURCE_FORM, *values])
            cursor.execute(approved.format(pairs), [SOURCE_REVIEW, board, *values])


def _load_stress(data, schools, result):
    rows = {}
    for rec in data.stress.to_dict("records"):
        school = schools[int(rec["school_id"])]
        values = {f: _clean(rec[f]) for f in STRESS_FIELDS}
        for f in STRESS_FIELDS[1:]:
            values[f] = Decimal(str(round(float(values[f]), 1)))
        rows[(school.pk, int(rec["fiscal_year"]))] = values
    _bulk_upsert(
        StressCheckResult, ("school_id", "fiscal_year"), STRESS_FIELDS, rows, result, "stress results"
    )


def _load_events(result):
    for event in demo_data.EVENTS:
        upsert(
            Event,
            {"label_ja": event["label_ja"], "start_date": event["start_date"]},
            {
                "label_en": event["label_en"],
                "end_date": event["end_date"],
                "exclude_from_average": event["exclude_from_average"],
            },
            result,
            "events",
        )


def _load_published(result):
    indicators = {i.code: i for i in Indicator.objects.all()}
    for fig in demo_data.PUBLISHED:
        upsert(
            PublishedFigure,
            {
                "indicator": indicators[fig["indicator"]],
                "fiscal_year": fig["fiscal_year"],
                "group": fig["group"],
                "month": fig["month"],
                "excluding_events": fig["note"] == demo_data.EXCLUDING_EVENTS_NOTE,
            },
            {"value": Decimal(str(fig["value"])), "source": fig["source"], "note": fig["note"]},
            result,
            "published figures",
        )


def _load_users(schools, password, result):
    """board, official and principal-<code> for every demo school. One hash for all: fast."""
    given = password is not None
    encoded = make_password(password or DEFAULT_PASSWORD)
    groups = {g.name: g for g in Group.objects.all()}

    def ensure(username, group, **extra):
        user, created = User.objects.get_or_create(username=username, defaults={"password": encoded, **extra})
        if created:
            user.groups.add(groups[group])
            result.count("users", created=1)
        elif given:
            user.password = encoded
            user.save(update_fields=["password"])
            result.count("users", updated=1)
        return user

    ensure("board", "board", is_staff=True, first_name="教育委員会事務局")
    ensure("official", "official", first_name="関係部署")
    links = dict(SchoolPrincipal.objects.values_list("user__username", "school_id"))
    for school in schools.values():
        username = f"principal-{school.code}"
        user = ensure(username, "principal")
        if username not in links:
            SchoolPrincipal.objects.create(user=user, school=school)


def _load_commentary(measures_data, result):
    text = measures_data.get("commentary")
    if text:
        upsert(
            Commentary,
            {"fiscal_year": measures_data["fiscal_year"]},
            {"body_ja": text["ja"], "body_en": text.get("en", "")},
            result,
            "commentaries",
        )


@transaction.atomic
def load_demo(*, password: str | None = None, seed: int = 2020) -> LoadResult:
    """Load every piece of demo data; returns what was created and updated."""
    result = LoadResult()
    data = demo_data.generate(seed=seed)
    schools = _load_schools(data, result)
    _load_users(schools, password, result)  # before the months: their history names the users
    _load_months(data, schools, result)
    load_staff_demo(data=data, result=result)  # per-staff hours of the first 20 schools (staff/)
    _load_stress(data, schools, result)
    _load_events(result)
    _load_published(result)
    measures_data = json.loads(MEASURES_FILE.read_text(encoding="utf-8"))
    _load_commentary(measures_data, result)
    load_measures(measures_data, result=result)
    load_demo_extras(result=result)
    return result
