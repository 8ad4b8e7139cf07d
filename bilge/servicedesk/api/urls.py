from bilge.servicedesk.api import views

ROUTES = [
    ("services", views.ServiceViewSet),
    ("request-types", views.RequestTypeViewSet),
    ("tickets", views.TicketViewSet),
    ("approvals", views.ApprovalViewSet),
    ("assignment-rules", views.AssignmentRuleViewSet),
    ("articles", views.ArticleViewSet),
]
