from bilge.servicedesk.api import views

ROUTES = [  # tried in this order: tickets, the busiest, first
    ("tickets", views.TicketViewSet),
    ("services", views.ServiceViewSet),
    ("request-types", views.RequestTypeViewSet),
    ("approvals", views.ApprovalViewSet),
    ("assignment-rules", views.AssignmentRuleViewSet),
    ("articles", views.ArticleViewSet),
]
