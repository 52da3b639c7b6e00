"""Pick the Japanese or English variant of a bilingual model field."""

from django.utils.translation import get_language


def is_english() -> bool:
    return (get_language() or "ja").startswith("en")


def active_language() -> str:
    """ "ja" or "en": the interface's language, as the label helpers of reform.fiscal take it."""
    return "en" if is_english() else "ja"


def circled(number: int) -> str:
    """3 → ③ (1–20), the report's way of numbering indicators and measures; others in parentheses."""
    return chr(0x2460 + number - 1) if 1 <= number <= 20 else f"({number})"


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
