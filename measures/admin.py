from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from measures import models


class SectionInline(admin.TabularInline):
    model = models.Section
    extra = 0


@admin.register(models.Pillar)
class PillarAdmin(admin.ModelAdmin):
    list_display = ["number", "title_ja", "title_en"]
    inlines = [SectionInline]


@admin.register(models.Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["pillar", "number", "title_ja"]
    list_filter = ["pillar"]


class MeasureYearInline(admin.StackedInline):
    model = models.MeasureYear
    extra = 0


class KPIInline(admin.TabularInline):
    model = models.KPI
    extra = 0


class MeasureNoteInline(admin.StackedInline):
    model = models.MeasureNote
    extra = 0


@admin.register(models.Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ["title_ja", "section", "number"]
    list_filter = ["section__pillar", "section"]
    search_fields = ["title_ja", "title_en"]
    filter_horizontal = ["indicators"]
    inlines = [MeasureYearInline, KPIInline, MeasureNoteInline]


@admin.register(models.MeasureYear)
class MeasureYearAdmin(SimpleHistoryAdmin):
    list_display = ["measure", "fiscal_year", "tag", "status"]
    list_filter = ["fiscal_year", "tag", "status"]
    search_fields = ["measure__title_ja", "results", "plans"]


class KPIValueInline(admin.TabularInline):
    model = models.KPIValue
    extra = 1


@admin.register(models.KPI)
class KPIAdmin(admin.ModelAdmin):
    list_display = ["name_ja", "measure", "unit", "is_headline"]
    list_filter = ["is_headline"]
    search_fields = ["name_ja", "measure__title_ja"]
    inlines = [KPIValueInline]
