from django.urls import path

from . import views

app_name = "companies"
urlpatterns = [
    path("", views.enterprise_list_view, name="list"),
    path("new/", views.enterprise_create, name="create"),
    path("<int:pk>/", views.enterprise_detail, name="detail"),
    path("<int:pk>/edit/", views.enterprise_edit, name="edit"),
    path("<int:pk>/visits/", views.add_visit, name="add_visit"),
    path("<int:pk>/contacts/", views.add_contact, name="add_contact"),
]
