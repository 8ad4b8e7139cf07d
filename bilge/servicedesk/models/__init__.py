from bilge.servicedesk.models.attachments import Attachment
from bilge.servicedesk.models.catalog import RequestType, Service
from bilge.servicedesk.models.knowledge import Article, ArticleVersion
from bilge.servicedesk.models.rules import AssignmentRule
from bilge.servicedesk.models.tickets import Approval, Comment, Ticket, TicketSequence, WorkLog

__all__ = ["Approval", "Article", "ArticleVersion", "AssignmentRule", "Attachment", "Comment", "RequestType", "Service", "Ticket", "TicketSequence", "WorkLog"]
