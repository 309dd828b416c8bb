"""The web app's own exceptions; each becomes an HTML page with its status (errors/error.html)."""

from __future__ import annotations

from ..errors import MyoscopeError
from .i18n import N_


class WebError(MyoscopeError):
    status = 400
    title = N_("Bad request")

    def __init__(self, message: str = "") -> None:
        self.message = message or self.title
        super().__init__(self.message)


class NotSignedIn(WebError):
    status = 401
    title = N_("Please sign in")


class Forbidden(WebError):
    status = 403
    title = N_("Not allowed")


class NothingToReport(WebError):
    """A report was asked for a patient with no visit (nothing assessed yet)."""

    status = 409
    title = N_("Nothing to report yet")


class NotFound(WebError):
    """An object that is not in the user's organisation (or does not exist: the same answer)."""

    status = 404
    title = N_("Not found")


class CsrfError(WebError):
    status = 403
    title = N_("The form has expired")

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or N_("the form's security token is missing or out of date; reload the page and send it again")
        )
