from django.core.cache import cache

from reform import access


def site(request):
    """Role flags and the demo-data label for every page."""
    from metrics.models import School

    has_demo = cache.get("reform:has_demo")
    if has_demo is None:
        has_demo = School.objects.filter(is_demo=True).exists()
        cache.set("reform:has_demo", has_demo, 60)
    role = access.role_of(getattr(request, "user", None))
    return {"role": role.value, "is_board": role is access.Role.BOARD, "demo_data": has_demo}
