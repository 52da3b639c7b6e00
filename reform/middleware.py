from django.conf import settings
from django.utils import translation


class LanguageMiddleware:
    """Japanese unless the user chose English with the switch (the language cookie).

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language:
    the product is Japanese first, on shared school PCs whose browsers may say otherwise.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


def _has_nul(values) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values.getlist(key)) for key in values)


class RejectNulMiddleware:
    """A NUL character in the address, the query string or a posted form is refused with a 400:
    PostgreSQL cannot store or compare it, so it would otherwise reach the database as an error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from reform.errors import bad_request

        if "\x00" in request.path or _has_nul(request.GET):
            return bad_request(request)
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            if _has_nul(request.POST):
                return bad_request(request)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Sends settings.CONTENT_SECURITY_POLICY on every response that has none: scripts, styles and
    everything else from this site only, no inline scripts (see the browser tests)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = "; ".join(
            f"{name} {' '.join(values)}" for name, values in settings.CONTENT_SECURITY_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
