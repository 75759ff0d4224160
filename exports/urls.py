from django.urls import path

from . import views

app_name = "exports"
urlpatterns = [
    path("", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/progress/", views.progress, name="progress"),
    path("<int:pk>/download/", views.download, name="download"),
]
