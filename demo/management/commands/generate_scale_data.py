"""Fill the database with plausible national-size data: `generate_scale_data --schools 33000 --years 10`.

About 33,000 public schools x 10 fiscal years x 12 months = 4 million school-months. Districts are
the 47 prefectures. On PostgreSQL the school-months are streamed with COPY (a few minutes in
all); elsewhere they are bulk-inserted (fine for a few hundred schools). The rollups are rebuilt
at the end. Meant for a database of its own (e.g. `reform_scale`), never for real data.
"""

import io
import time

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from metrics import rollups
from metrics.models import District, MonthlyReport, School, SchoolType

PREFIX = "S"  # scale schools' codes: S000001 …
PREFECTURES = 47
# share of schools, mean staff, overtime pressure
TYPES = {
    "elementary": (0.57, 26, 1.0),
    "junior_high": (0.30, 36, 1.6),
    "high": (0.10, 62, 1.1),
    "special_needs": (0.03, 95, 0.5),
}
# seasonal overtime pressure by calendar month (August is the summer break)
SEASON = {4: 1.4, 5: 1.2, 6: 1.2, 7: 1.1, 8: 0.15, 9: 1.0, 10: 1.1, 11: 1.0, 12: 0.8, 1: 0.8, 2: 0.9, 3: 0.9}
FISCAL_MONTHS = (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)
COLUMNS = (
    "school_id",
    "fiscal_year",
    "month",
    *MonthlyReport.VALUE_FIELDS,
    "status",
    "review_comment",
    "created_at",
    "updated_at",
)


class Command(BaseCommand):
    help = "Generate national-size demo data (schools, school-months, rollups) in the current database."

    def add_arguments(self, parser):
        parser.add_argument("--schools", type=int, default=33000)
        parser.add_argument("--years", type=int, default=10)
        parser.add_argument("--last-year", type=int, default=2024, help="The last fiscal year generated.")
        parser.add_argument("--seed", type=int, default=2020)
        parser.add_argument("--reset", action="store_true", help="Delete earlier generated schools first.")

    def handle(self, *args, schools, years, last_year, seed, reset, **options):
        if schools < 1 or not 1 <= years <= 50:
            raise CommandError("--schools must be at least 1 and --years from 1 to 50.")
        started = time.monotonic()
        existing = School.objects.filter(code__startswith=PREFIX, is_demo=True)
        if existing.exists():
            if not reset:
                raise CommandError("Generated schools exist already; pass --reset to replace them.")
            self._say("deleting earlier generated data …")
            MonthlyReport.objects.filter(school__in=existing)._raw_delete(connection.alias)
            existing.delete()
        rng = np.random.default_rng(seed)
        school_ids, kinds = self._schools(schools, rng)
        fiscal_years = list(range(last_year - years + 1, last_year + 1))
        for n, fy in enumerate(fiscal_years, start=1):
            self._write_year(fy, school_ids, kinds, rng, trend=(fy - fiscal_years[0]) / max(years, 1))
            elapsed = time.monotonic() - started
            self._say(f"[{n}/{years}] FY{fy}: {len(school_ids) * 12:,} school-months ({elapsed:.0f} s)")
        self._say("rebuilding rollups …")
        rows = rollups.refresh_rollups()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "ANALYZE metrics_monthlyreport; ANALYZE metrics_monthlyrollup; ANALYZE metrics_school"
                )
        self._say(f"done: {rows:,} rollup rows, {time.monotonic() - started:.0f} s in all")

    def _say(self, text):
        self.stdout.write(text)
        self.stdout.flush()

    def _schools(self, count, rng):
        types = {t.code: t for t in SchoolType.objects.filter(code__in=TYPES)}
        if len(types) != len(TYPES):
            raise CommandError("The school types are missing: run `migrate` first.")
        districts = []
        for n in range(1, PREFECTURES + 1):
            district, _ = District.objects.get_or_create(
                code=f"pref{n:02d}",
                defaults={"name_ja": f"都道府県{n:02d}", "name_en": f"Prefecture {n:02d}"},
            )
            districts.append(district)
        codes = list(TYPES)
        kinds = rng.choice(len(codes), size=count, p=[TYPES[c][0] for c in codes])
        where = rng.integers(0, PREFECTURES, size=count)
        objs = [
            School(
                code=f"{PREFIX}{i + 1:06d}",
                name_ja=f"生成校{i + 1:06d}",
                name_en=f"Generated school {i + 1:06d}",
                school_type=types[codes[kinds[i]]],
                district=districts[where[i]],
                is_demo=True,
            )
            for i in range(count)
        ]
        School.objects.bulk_create(objs, batch_size=5000)
        ids = dict(School.objects.filter(code__startswith=PREFIX, is_demo=True).values_list("code", "pk"))
        self._say(f"{count:,} schools in {PREFECTURES} prefectures")
        return np.array([ids[o.code] for o in objs]), kinds

    def _write_year(self, fy, school_ids, kinds, rng, *, trend):
        codes = list(TYPES)
        n = len(school_ids)
        mean_staff = np.array([TYPES[c][1] for c in codes])[kinds]
        pressure = np.array([TYPES[c][2] for c in codes])[kinds]
        staff = np.maximum(3, rng.normal(mean_staff, mean_staff * 0.25)).astype(int)
        culture = rng.normal(1.0, 0.3, size=n).clip(0.2, 2.5)  # some schools work longer than others
        frames = []
        for position, month in enumerate(FISCAL_MONTHS):
            s = np.maximum(1, staff + rng.integers(-1, 2, size=n))
            p80 = (0.11 * pressure * culture * SEASON[month] * (1 - 0.5 * trend)).clip(0, 0.9)
            over_80 = rng.binomial(s, p80)
            over_45 = over_80 + rng.binomial(s - over_80, (2.2 * p80).clip(0, 0.95))
            over_100 = rng.binomial(over_80, 0.3)
            left_19 = rng.binomial(s, (0.5 + 0.3 * trend - 0.8 * p80).clip(0.05, 0.98))
            progress = (position + 1) / 12
            leave_10 = rng.binomial(s, min(0.98, 0.75 * progress**1.5 + 0.1 * trend))
            leave_days = np.round(s * rng.normal(12 * progress + 2 * trend, 1.0, size=n).clip(0), 1)
            frames.append((month, s, over_80, left_19, over_45, over_100, leave_days, leave_10))
        now = timezone.now().isoformat()
        if connection.vendor == "postgresql":
            self._copy(fy, school_ids, frames, now)
        else:
            self._bulk(fy, school_ids, frames)

    def _copy(self, fy, school_ids, frames, now):
        buffer = io.StringIO()
        for month, s, o80, l19, o45, o100, days, l10 in frames:
            for row in zip(school_ids, s, o80, l19, o45, o100, days, l10, strict=True):
                sid, staff, a, b, c, d, e, f = row
                buffer.write(
                    f'{sid},{fy},{month},{staff},{a},{b},{c},{d},{e:.1f},{f},approved,"",{now},{now}\n'
                )
        buffer.seek(0)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY metrics_monthlyreport ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv)", buffer
            )

    def _bulk(self, fy, school_ids, frames):
        objs = [
            MonthlyReport(
                school_id=int(sid),
                fiscal_year=fy,
                month=month,
                staff_count=int(staff),
                over_80h_count=int(a),
                left_by_19_count=int(b),
                over_45h_count=int(c),
                over_100h_count=int(d),
                leave_days_total=float(e),
                leave_10plus_count=int(f),
                status=MonthlyReport.Status.APPROVED,
            )
            for month, s, o80, l19, o45, o100, days, l10 in frames
            for sid, staff, a, b, c, d, e, f in zip(
                school_ids, s, o80, l19, o45, o100, days, l10, strict=True
            )
        ]
        with transaction.atomic():
            MonthlyReport.objects.bulk_create(objs, batch_size=5000)
