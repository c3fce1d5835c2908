"""Web UI in Vietnamese, served under `/` by the same app as API v1 (see `pages`)."""

from api.web import inspection
from api.web.pages import error_page, router

# The inspection casework's screens (api/web/inspection.py) are served beside the others.
router.include_router(inspection.router)

__all__ = ["error_page", "router"]
