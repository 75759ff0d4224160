from django.urls import path

from .api import AddWorkdaysView, CountWorkdaysView

urlpatterns = [
    path("add/", AddWorkdaysView.as_view(), name="workdays-add"),
    path("count/", CountWorkdaysView.as_view(), name="workdays-count"),
]
