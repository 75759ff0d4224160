from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .views import ProjectViewSet, StageViewSet

router = SimpleRouter()
router.register("projects", ProjectViewSet, basename="project")

stages = SimpleRouter()
stages.register("stages", StageViewSet, basename="project-stage")

urlpatterns = [
    path("", include(router.urls)),
    path("projects/<int:project_pk>/", include(stages.urls)),
]
