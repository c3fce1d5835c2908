"""Web UI in Vietnamese, served under `/` by the same app as API v1 (see `pages`)."""

from api.web.correction_pages import router as correction_router
from api.web.evaluation_pages import router as evaluation_router
from api.web.feedback_pages import router as feedback_router
from api.web.pages import error_page, router
from api.web.public_pages import router as public_router

__all__ = ["correction_router", "error_page", "evaluation_router", "feedback_router",
           "public_router", "router"]
