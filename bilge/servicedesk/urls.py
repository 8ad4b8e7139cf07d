from django.urls import path

from bilge.servicedesk import views

app_name = "servicedesk"

urlpatterns = [
    path("new/", views.NewRequest.as_view(), name="new_request"),
    path("my/", views.MyRequests.as_view(), name="my_requests"),
    path("approval/<str:token>/", views.ApprovalLink.as_view(), name="approval_link"),
    path("tickets/<int:pk>/action/", views.TicketAction.as_view(), name="ticket_action"),
    path("attachments/<int:pk>/", views.AttachmentDownload.as_view(), name="attachment"),
]
for ui in views.UIS:
    urlpatterns += ui.urlpatterns()
