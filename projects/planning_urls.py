from django.urls import path

from . import planning_views

app_name = "planning"
urlpatterns = [
    path("signing-events/", planning_views.signing_events, name="signing_events"),
    path("signing-events/<int:pk>/", planning_views.signing_event, name="signing_event"),
    path("land-commitments/", planning_views.land_commitments, name="land_commitments"),
]
