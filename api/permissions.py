"""API permissions: thin adapters over reform/access.py, where access is decided."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from reform import access


class ByRole(permissions.BasePermission):
    """Decides with the predicates of reform.access: `read` for safe methods, `write` for the others
    (`delete` for DELETE when given). Which rows a request reaches is `restrict`'s business
    (api.views.RestrictedViewSetMixin), so another school's row is a 404, not a 403."""

    read = staticmethod(access.can_see_aggregates)
    write = staticmethod(access.can_edit_reference_data)
    delete = None

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return self.read(request.user)
        if request.method == "DELETE" and self.delete is not None:
            return self.delete(request.user)
        return self.write(request.user)


class ReferenceData(ByRole):
    """Anyone with a role reads; board staff write (schools, indicators, measures …)."""

    message = _("Only board staff may change this.")


class SchoolMonths(ByRole):
    """Rows are narrowed by `restrict`; which state changes a role may make is the workflow's
    `check_transition` (in the serializer), the same rule as the form's and the review's."""

    message = _("You may not change this school-month.")
    write = staticmethod(access.can_enter_school_months)
    delete = staticmethod(access.is_board)


class SeesAggregates(ByRole):
    """Any user with a role (board, principal, official)."""

    write = staticmethod(access.can_see_aggregates)


class MeasuresData(ByRole):
    """The register of measures, their years, KPIs and adoptions: read by every role, edited by the board."""

    message = _("Only board staff may change this.")
    read = staticmethod(access.can_read_measures)
    write = staticmethod(access.can_edit_measures)


class ExportsReports(ByRole):
    """The annual report's exports: board staff and officials (principals cannot export)."""

    message = _("Only board staff and officials may export the annual report.")
    read = write = staticmethod(access.can_export_reports)
