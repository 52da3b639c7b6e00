from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.user_list, name="users"),
    path("new/", views.user_new, name="user-new"),
    path("import/", views.import_page, name="import"),
    path("<int:pk>/", views.user_detail, name="user"),
    path("<int:pk>/active/", views.user_active, name="user-active"),
    path("<int:pk>/unlock/", views.user_unlock, name="user-unlock"),
    path("<int:pk>/password/", views.user_password, name="user-password"),
]
