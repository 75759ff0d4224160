from django.urls import path

from . import views

app_name = "servicerequests"
urlpatterns = [
    path("", views.request_list_view, name="list"),
    path("new/", views.request_create, name="create"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/comment/", views.request_comment, name="comment"),
    path("<int:pk>/attachments/", views.request_attach, name="attach"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment"),
    *(path(f"<int:pk>/{action}/", views.request_action, {"action": action}, name=action) for action in views.ACTIONS),
]
