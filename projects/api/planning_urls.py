from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .planning_views import (
    AnnualTargetViewSet,
    AssessmentDimensionViewSet,
    AssessmentViewSet,
    LandCommitmentViewSet,
    LandYearlyActualViewSet,
    ProjectDocumentViewSet,
    SigningEventViewSet,
    StageTypeViewSet,
)

router = SimpleRouter()
router.register("signing-events", SigningEventViewSet, basename="signing-event")
router.register("annual-targets", AnnualTargetViewSet, basename="annual-target")
router.register("land-commitments", LandCommitmentViewSet, basename="land-commitment")
router.register("assessment-dimensions", AssessmentDimensionViewSet, basename="assessment-dimension")
router.register("assessments", AssessmentViewSet, basename="assessment")
router.register("stage-types", StageTypeViewSet, basename="stage-type")

actuals = SimpleRouter()
actuals.register("actuals", LandYearlyActualViewSet, basename="land-commitment-actual")

documents = SimpleRouter()
documents.register("documents", ProjectDocumentViewSet, basename="project-document")

urlpatterns = [
    path("", include(router.urls)),
    path("land-commitments/<int:commitment_pk>/", include(actuals.urls)),
    path("projects/<int:project_pk>/", include(documents.urls)),
]
