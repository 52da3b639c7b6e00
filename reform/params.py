"""Numbers read from a request's query string or form, parsed one safe way.

`int()` accepts far more than a person types: other scripts' digits ("١٢"), underscores ("1_0"),
spaces, and thousands of digits; `str.isdigit()` is true of "²", which `int()` then refuses. Every
numeric parameter a view reads by hand goes through `whole_number`, so a hostile value is "absent",
never a server error or a number too large for the database.
"""

import re

_WHOLE = re.compile(r"-?[0-9]{1,18}")
# PostgreSQL's bigint: a larger number in a filter is an error on the database, not an empty result.
BIGINT_MAX = 2**63 - 1


def whole_number(value, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
    """`value` (a str or None) as an int when it is ASCII digits with an optional leading minus,
    within [minimum, maximum] when given (and a bigint always); otherwise None."""
    if not isinstance(value, str) or not _WHOLE.fullmatch(value):
        return None
    number = int(value)
    if abs(number) > BIGINT_MAX:
        return None
    if minimum is not None and number < minimum:
        return None
    if maximum is not None and number > maximum:
        return None
    return number


def whole_numbers(values) -> list[int]:
    """The whole numbers among `values` (a getlist()), the others dropped."""
    return [n for n in (whole_number(v, minimum=0) for v in values) if n is not None]


def warn_ignored(request, form) -> None:
    """Say, as a warning message, which of a filter form's values the page ignored (a year it has no
    data for, an unknown type), as the dashboards do, rather than falling back in silence."""
    from django.contrib import messages
    from django.utils.translation import gettext as _

    if not form.is_bound or form.is_valid():
        return
    for name in form.errors:
        raw = form.data.get(name)
        if name in form.fields and raw not in (None, ""):
            messages.warning(
                request,
                _("%(field)s “%(value)s” is not one this page can show, so it was ignored.")
                % {"field": form.fields[name].label, "value": raw},
            )
