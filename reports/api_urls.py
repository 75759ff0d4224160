from django.urls import path

from .api import PipelineReportView

urlpatterns = [
    path("pipeline/", PipelineReportView.as_view(), name="report-pipeline"),
]
