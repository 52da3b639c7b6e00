from django.contrib import admin

from api.models import ApiToken, SystemAccount


@admin.register(SystemAccount)
class SystemAccountAdmin(admin.ModelAdmin):
    list_display = ["user", "description"]
    raw_id_fields = ["user"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "prefix", "created_at", "last_used_at"]
    readonly_fields = ["user", "prefix", "created_at", "created_by", "last_used_at"]

    def has_add_permission(self, request):
        return False  # keys are shown once, on the token page or by `manage.py issue_token`
