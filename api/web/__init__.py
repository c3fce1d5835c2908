"""Web UI in Vietnamese, served under `/` by the same app as API v1 (see `pages`)."""

from api.web.correction_pages import router as correction_router
from api.web.cycle_pages import router as cycle_router
from api.web.evaluation_pages import router as evaluation_router
from api.web.feedback_pages import router as feedback_router
from api.web.import_pages import router as import_router
from api.web.inspection import router as inspection_router
from api.web.integrity_pages import router as integrity_router
from api.web.job_position_pages import router as job_position_router
from api.web.pages import error_page, router
from api.web.public_pages import router as public_router
from api.web.token_pages import router as token_router

__all__ = ["correction_router", "cycle_router", "error_page", "evaluation_router",
           "feedback_router", "import_router", "inspection_router", "integrity_router",
           "job_position_router", "public_router",
           "router", "token_router"]
