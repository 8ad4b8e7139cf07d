from django.urls import path

from bilge.servicedesk import report_views, views

app_name = "servicedesk"

urlpatterns = [
    path("new/", views.NewRequest.as_view(), name="new_request"),
    path("my/", views.MyRequests.as_view(), name="my_requests"),
    path("queues/", views.Queues.as_view(), name="queues"),
    path("my-work/", views.MyWork.as_view(), name="my_work"),
    path("requesters/autocomplete/", views.RequesterAutocomplete.as_view(), name="requester_autocomplete"),
    path("approval/<str:token>/", views.ApprovalLink.as_view(), name="approval_link"),
    path("types/preview/", views.RequestTypePreview.as_view(), name="requesttype_preview"),
    path("tickets/bulk/", views.TicketBulk.as_view(), name="ticket_bulk"),
    path("tickets/<int:pk>/action/", views.TicketAction.as_view(), name="ticket_action"),
    path("attachments/<int:pk>/", views.AttachmentDownload.as_view(), name="attachment"),
    path("kb/<int:pk>/attach/", views.ArticleAttach.as_view(), name="article_attach"),
    path("kb/files/<int:pk>/", views.ArticleAttachmentDownload.as_view(), name="article_attachment"),
]
for ui in views.UIS:
    urlpatterns += ui.urlpatterns()
urlpatterns += report_views.urlpatterns()  # /servicedesk/reports/…
