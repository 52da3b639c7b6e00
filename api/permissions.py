"""API permissions: thin adapters over reform/access.py, where access is decided."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from reform import access


class ReferenceData(permissions.BasePermission):
    """Anyone with a role reads; board staff write (schools, indicators, measures …)."""

    message = _("Only board staff may change this.")

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return access.can_see_aggregates(request.user)
        return access.can_edit_reference_data(request.user)


class SchoolMonths(permissions.BasePermission):
    """Rows are already narrowed by `visible_to`; principals write their own open months, board all."""

    message = _("You may not change this school-month.")

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return access.can_see_aggregates(request.user)
        if request.method == "DELETE":
            return access.is_board(request.user)
        return access.can_enter_school_months(request.user)

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        if not access.can_change_school_month(request.user, obj):
            self.message = _("This month has been approved; ask the board to return it before changing it.")
            return False
        return True


class SeesAggregates(permissions.BasePermission):
    """Any user with a role (board, principal, official)."""

    def has_permission(self, request, view):
        return access.can_see_aggregates(request.user)


class MeasuresData(permissions.BasePermission):
    """The register of measures, their years, KPIs and adoptions: read by every role, edited by the board."""

    message = _("Only board staff may change this.")

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return access.can_read_measures(request.user)
        return access.can_edit_measures(request.user)


class ExportsReports(permissions.BasePermission):
    """The annual report's exports: board staff and officials (principals cannot export)."""

    message = _("Only board staff and officials may export the annual report.")

    def has_permission(self, request, view):
        return access.can_export_reports(request.user)
