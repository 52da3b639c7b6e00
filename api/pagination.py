from django.utils.translation import gettext_lazy as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError

from reform.params import whole_number

MAX_PAGE_SIZE = 500


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=N&page_size=M`; a page size that is not a number from 1 to 500 is a 400, not a clamp."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        size = whole_number(raw, minimum=1, maximum=self.max_page_size)
        if size is None:
            reason = _("The page size must be a whole number from 1 to %(max)s.") % {"max": MAX_PAGE_SIZE}
            raise ValidationError({self.page_size_query_param: [reason]})
        return size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1)
        return parameters
