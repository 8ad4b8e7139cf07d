from bilge.servicedesk.models.attachments import ArticleAttachment, Attachment
from bilge.servicedesk.models.catalog import BreachAction, RequestType, Service
from bilge.servicedesk.models.knowledge import Article, ArticleVersion
from bilge.servicedesk.models.rules import AssignmentRule
from bilge.servicedesk.models.tickets import Approval, Comment, Ticket, TicketLink, TicketSequence, WorkLog

__all__ = ["Approval", "Article", "ArticleAttachment", "ArticleVersion", "AssignmentRule", "Attachment", "BreachAction", "Comment", "RequestType", "Service", "Ticket", "TicketLink", "TicketSequence", "WorkLog"]
