"""The admin API's refusals: plain JSON errors; a 401 only from the admin gate."""

from __future__ import annotations

from ..errors import JsonErrors
from ..middleware.admin_gate import ADMIN_HEADER, REFUSAL
from .replies import HEADERS

DIALECT = JsonErrors(
    HEADERS,
    unauthorized_message=REFUSAL,
    unauthorized_doc=f"The admin API needs the {ADMIN_HEADER} header.",
)
