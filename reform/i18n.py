"""Pick the Japanese or English variant of a bilingual model field."""

from django.utils.translation import get_language


def is_english() -> bool:
    return (get_language() or "ja").startswith("en")


def localized(obj, field: str) -> str:
    """`obj.<field>_en` when the interface is English and it is filled, else `obj.<field>_ja`."""
    if is_english():
        value = getattr(obj, f"{field}_en", "")
        if value:
            return value
    return getattr(obj, f"{field}_ja")


class BilingualMixin:
    """Models with `name_ja`/`name_en` fields get a `name` property in the user's language."""

    @property
    def name(self) -> str:
        return localized(self, "name")
