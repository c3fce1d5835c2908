"""Web UI in Vietnamese, served under `/` by the same app as API v1 (see `pages`)."""

from api.web.pages import router

__all__ = ["router"]
