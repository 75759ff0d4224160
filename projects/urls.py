from django.urls import path

from . import action_views, views

app_name = "projects"
urlpatterns = [
    path("", views.project_list_page, name="list"),
    path("board/", views.project_board_page, name="board"),
    path("new/", views.project_create_page, name="create"),
    path("enterprise-options/", action_views.enterprise_options_page, name="enterprise_options"),
    path("<int:pk>/", views.project_detail_page, name="detail"),
    path("<int:pk>/edit/", views.project_edit_page, name="edit"),
    path("<int:pk>/stages/<int:stage_pk>/finish/", views.finish_stage_page, name="finish_stage"),
    path("<int:pk>/stages/<int:stage_pk>/skip/", views.skip_stage_page, name="skip_stage"),
    path("<int:pk>/stages/<int:stage_pk>/reopen/", action_views.reopen_stage_page, name="reopen_stage"),
    path("<int:pk>/stages/<int:stage_pk>/edit/", action_views.update_stage_page, name="update_stage"),
    path("<int:pk>/reassign/", action_views.reassign_page, name="reassign"),
    path("<int:pk>/transfer/", action_views.transfer_page, name="transfer"),
    path("<int:pk>/land/", action_views.land_commitment_page, name="land_commitment"),
    path("<int:pk>/land/actuals/", action_views.land_actual_page, name="land_actual"),
    path("<int:pk>/land/actuals/<int:actual_pk>/", action_views.update_land_actual_page, name="update_land_actual"),
    path("<int:pk>/documents/", views.upload_document_page, name="upload_document"),
    path("<int:pk>/documents/<int:document_pk>/", views.download_document_page, name="document"),
]
