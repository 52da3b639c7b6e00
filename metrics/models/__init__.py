"""The indicator core's models: reference lists kept by the board (reference.py) and the
school-months with what is computed or sent from them (school_months.py), and the data-quality
flags raised on them (quality.py)."""

from metrics.models.quality import QualityFlag
from metrics.models.reference import (
    CodedName,
    Commentary,
    District,
    Event,
    Indicator,
    PublishedFigure,
    ReportingDeadline,
    School,
    SchoolPrincipal,
    SchoolQuerySet,
    SchoolType,
    Target,
)
from metrics.models.school_months import (
    MonthlyReport,
    MonthlyReportQuerySet,
    MonthlyRollup,
    Reminder,
    StressCheckResult,
    StressCheckResultQuerySet,
    count_rule_errors,
    missing_value_errors,
)

__all__ = [
    "CodedName",
    "Commentary",
    "District",
    "Event",
    "Indicator",
    "MonthlyReport",
    "MonthlyReportQuerySet",
    "MonthlyRollup",
    "PublishedFigure",
    "QualityFlag",
    "Reminder",
    "ReportingDeadline",
    "School",
    "SchoolPrincipal",
    "SchoolQuerySet",
    "SchoolType",
    "StressCheckResult",
    "StressCheckResultQuerySet",
    "Target",
    "count_rule_errors",
    "missing_value_errors",
]
