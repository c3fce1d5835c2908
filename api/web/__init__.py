"""Web UI in Vietnamese, served under `/` by the same app as API v1 (see `pages`)."""

from api.web.inspection import router as inspection_router
from api.web.pages import error_page, router

__all__ = ["error_page", "inspection_router", "router"]
