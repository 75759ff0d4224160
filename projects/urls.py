from django.urls import path

from . import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list_page, name="list"),
    path("board/", views.project_board_page, name="board"),
    path("new/", views.project_create_page, name="create"),
    path("<int:pk>/", views.project_detail_page, name="detail"),
    path("<int:pk>/edit/", views.project_edit_page, name="edit"),
    path("<int:pk>/stages/<int:stage_pk>/finish/", views.finish_stage_page, name="finish_stage"),
    path("<int:pk>/stages/<int:stage_pk>/skip/", views.skip_stage_page, name="skip_stage"),
    path("<int:pk>/documents/", views.upload_document_page, name="upload_document"),
    path("<int:pk>/documents/<int:document_pk>/", views.download_document_page, name="document"),
]
