from django import template

register = template.Library()


@register.filter
def minutes(duration) -> int:
    """A timedelta in whole minutes (the log-in lock-out's length)."""
    return int(duration.total_seconds() // 60)
