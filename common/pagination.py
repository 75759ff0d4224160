from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_number(self, request, paginator):
        number = request.query_params.get(self.page_query_param) or 1
        if str(number).isdigit() and int(number) > 10**6:
            raise exceptions.NotFound(_("页码超出范围。"))
        return number
