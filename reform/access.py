"""Who may see what: the one place where access is decided.

Roles are Django groups:
- board (事務局): everything, every school;
- principal (校長): their own school only (linked by `SchoolPrincipal`);
- official: aggregates only, no per-school rows.
Superusers count as board. Pages, API and exports all go through this module: rows through
`RestrictedQuerySet.restrict(user)`, pages through the `page` decorator, the API through the
permission classes of api/permissions.py, which call the predicates below. A row the user may not
see is simply absent, so views answer 404, not 403.
"""

from collections.abc import Callable
from enum import StrEnum
from functools import wraps

from django.db import models


class Role(StrEnum):
    BOARD = "board"
    PRINCIPAL = "principal"
    OFFICIAL = "official"
    NONE = "none"


def role_of(user) -> Role:
    if user is None or not user.is_authenticated:
        return Role.NONE
    cached = getattr(user, "_reform_role", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        role = Role.BOARD
    else:
        names = {g.name for g in user.groups.all()}
        role = next((r for r in (Role.BOARD, Role.PRINCIPAL, Role.OFFICIAL) if r.value in names), Role.NONE)
    user._reform_role = role
    return role


def is_board(user) -> bool:
    return role_of(user) is Role.BOARD


def school_id_of(user) -> int | None:
    """The school a principal reports for, or None."""
    if role_of(user) is not Role.PRINCIPAL:
        return None
    link = getattr(user, "principal_of", None)
    return link.school_id if link is not None else None


def is_principal(user) -> bool:
    """A principal linked to a school (a principal without a school can enter nothing)."""
    return role_of(user) is Role.PRINCIPAL and school_id_of(user) is not None


def page(*roles: Role, rule: Callable[[object], bool] | None = None):
    """The one decorator of every page (the API has its permission classes, api/permissions.py).

    Anonymous users are sent to the login page. A signed-in user must have one of `roles` (a
    principal only once linked to a school) and pass `rule` (a predicate of this module), each when
    given; anyone else gets a 404, as if the page did not exist (principals must not learn what board
    pages there are). With neither, any signed-in user may open the page: what it shows is narrowed
    by `restrict`. The wrapped view carries `page_access` (tests/test_access.py checks every page)."""

    def allows(user) -> bool:
        role = role_of(user)
        if roles and (role not in roles or (role is Role.PRINCIPAL and school_id_of(user) is None)):
            return False
        return rule is None or rule(user)

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            from django.contrib.auth.views import redirect_to_login
            from django.http import Http404

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allows(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        wrapped.page_access = allows
        return wrapped

    return decorator


class RestrictedQuerySet(models.QuerySet):
    """Rows that some users may not see one by one; `restrict(user)` keeps those `user` may see.

    The one rule: board staff see every row; a principal the rows of their own school; an official
    the rows in `official_rows`, none unless the model says so (officials see aggregates only);
    anyone else none. A model declares only how its rows reach their school."""

    # The lookup from a row to its school's id: "school" for a foreign key, "pk" for School itself;
    # None for rows that belong to no school (principals see none of them).
    school_path: str | None = "school"
    # The rows officials may see (a Q object), or None for none.
    official_rows: models.Q | None = None

    def restrict(self, user):
        role = role_of(user)
        if role is Role.BOARD:
            return self
        if role is Role.PRINCIPAL and self.school_path is not None:
            school_id = school_id_of(user)
            if school_id is not None:
                return self.filter(**{self.school_path: school_id})
        if role is Role.OFFICIAL and self.official_rows is not None:
            return self.filter(self.official_rows)
        return self.none()


def can_see_school_rows(user) -> bool:
    """Board staff and principals see per-school rows (principals only their own)."""
    return role_of(user) in (Role.BOARD, Role.PRINCIPAL)


def can_see_aggregates(user) -> bool:
    return role_of(user) is not Role.NONE


def can_read_measures(user) -> bool:
    """The register of measures, their years, KPIs and effect comparisons: every role reads them."""
    return role_of(user) is not Role.NONE


def can_edit_measures(user) -> bool:
    """Measures, their years, KPI values and school adoption records: board staff only.
    Anyone else asking for an edit page gets a 404 (anonymous users the login page)."""
    return is_board(user)


def can_see_measure_history(user) -> bool:
    """Who changed a measure's year and when: board staff only (the records name staff accounts)."""
    return is_board(user)


def can_export_reports(user) -> bool:
    """The annual report (PDF, Excel, CSV): board staff and officials; principals cannot export."""
    return role_of(user) in (Role.BOARD, Role.OFFICIAL)


def report_audience_of(user) -> str | None:
    """What an export asked for by `user` may contain: "board" (per-school rows, nothing suppressed)
    or "official" (aggregates only, cells from fewer than 5 staff suppressed); None if they cannot export."""
    role = role_of(user)
    if role is Role.BOARD:
        return "board"
    if role is Role.OFFICIAL:
        return "official"
    return None


def can_edit_reference_data(user) -> bool:
    """Schools, indicators, targets, events, measures …: board staff only."""
    return is_board(user)


def can_manage_accounts(user) -> bool:
    """User accounts (create, edit, deactivate, passwords, lock-outs, the accounts import): board
    staff only (superusers and system accounts are left to the admin)."""
    return is_board(user)


def can_enter_school_months(user) -> bool:
    """Board staff for every school; a principal for their own school."""
    return is_board(user) or school_id_of(user) is not None


# --- per-staff hours (staff/) ---------------------------------------------------------------

# A figure shown to officials that comes from fewer staff than this is suppressed.
MIN_STAFF_FOR_OFFICIALS = 5


def can_see_staff_rows(user) -> bool:
    """Per-staff rows (hours, cap breaches, physician interviews): board staff and a school's own
    principal only. Never officials, in pages, exports or the API."""
    return is_board(user) or is_principal(user)


def can_import_staff_hours(user) -> bool:
    """Per-staff hours come from the IC-card system through the board."""
    return is_board(user)


def staff_figures_min_staff(user) -> int | None:
    """Aggregates of per-staff hours (cap counts, survey bands): None if the user may not see them,
    else the smallest group whose figures are shown (officials: 5; board and principals: 1)."""
    role = role_of(user)
    if role is Role.OFFICIAL:
        return MIN_STAFF_FOR_OFFICIALS
    if can_see_staff_rows(user):
        return 1
    return None


BOARD_APPS = ("metrics", "measures", "staff", "reports")


def grant_board_permissions(**kwargs):
    """Board staff may change every model of the product's apps (in the admin too)."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=Role.BOARD.value)
    group.permissions.add(*Permission.objects.filter(content_type__app_label__in=BOARD_APPS))
