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
    path("<int:pk>/contacts/<int:contact_pk>/edit/", views.edit_contact, name="edit_contact"),
    path("<int:pk>/contacts/<int:contact_pk>/delete/", views.delete_contact_view, name="delete_contact"),
    path("<int:pk>/visits/<int:visit_pk>/edit/", views.edit_visit, name="edit_visit"),
    path("<int:pk>/visits/<int:visit_pk>/done/", views.complete_next_step_view, name="complete_next_step"),
]
