from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from metrics import models


@admin.register(models.SchoolType, models.District)
class CodeNameAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ja", "name_en", "order"]
    list_editable = ["order"]


@admin.register(models.School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ja", "school_type", "district", "is_demo"]
    list_filter = ["school_type", "district", "is_demo"]
    search_fields = ["code", "name_ja", "name_en"]


@admin.register(models.SchoolPrincipal)
class SchoolPrincipalAdmin(admin.ModelAdmin):
    list_display = ["user", "school"]
    search_fields = ["user__username", "school__code", "school__name_ja"]
    autocomplete_fields = ["school"]


class TargetInline(admin.TabularInline):
    model = models.Target
    extra = 1


@admin.register(models.Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["number", "code", "name_ja", "unit", "comparator", "frequency"]
    inlines = [TargetInline]


@admin.register(models.MonthlyReport)
class MonthlyReportAdmin(SimpleHistoryAdmin):
    list_display = [
        "school",
        "fiscal_year",
        "month",
        "staff_count",
        "over_80h_count",
        "left_by_19_count",
        "leave_10plus_count",
        "status",
    ]
    list_filter = ["fiscal_year", "month", "status", "school__school_type", "school__district"]
    search_fields = ["school__code", "school__name_ja"]
    list_select_related = ["school__school_type"]
    autocomplete_fields = ["school"]


@admin.register(models.StressCheckResult)
class StressCheckResultAdmin(admin.ModelAdmin):
    list_display = [
        "school",
        "fiscal_year",
        "respondents",
        "total_health_risk",
        "workload_control",
        "support",
    ]
    list_filter = ["fiscal_year", "school__school_type"]
    search_fields = ["school__code", "school__name_ja"]
    list_select_related = ["school__school_type"]
    autocomplete_fields = ["school"]


@admin.register(models.Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["label_ja", "start_date", "end_date", "exclude_from_average"]
    list_filter = ["exclude_from_average"]


@admin.register(models.PublishedFigure)
class PublishedFigureAdmin(admin.ModelAdmin):
    list_display = ["indicator", "fiscal_year", "group", "month", "value", "note", "source"]
    list_filter = ["indicator", "fiscal_year", "group"]


@admin.register(models.Commentary)
class CommentaryAdmin(admin.ModelAdmin):
    list_display = ["fiscal_year", "updated_at"]


@admin.register(models.ReportingDeadline)
class ReportingDeadlineAdmin(admin.ModelAdmin):
    list_display = ["due_day", "coverage_threshold", "updated_at"]
    readonly_fields = ["updated_at", "updated_by"]
