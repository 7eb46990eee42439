"""The cloud's refusals, inside the generic error mapping: account refusals (401/403/429),
the EV services' errors (codes such as ``iqevc_ms-10008``) and model refusals, each in
the family's shape (the envelope under ``/service/``, a message elsewhere)."""

from __future__ import annotations

from aiohttp import web

from ...model.accounts import AccountError
from ...model.errors import ModelError, Refusal
from ..call import Call
from ..surface import Next
from . import payloads as p
from .dialect import ANSWERING, SERVICE, refuse
from .ev import Refused
from .replies import answer, json_reply

STATUS_OF = {Refusal.INVALID: 400, Refusal.NOT_FOUND: 404, Refusal.CONFLICT: 409}


async def cloud_errors(call: Call, next: Next) -> web.StreamResponse:
    request = call.request
    t = call.emulator.world.model_t
    service = request.path.startswith(SERVICE)
    ANSWERING.set((request.path, t))
    try:
        return await next(call)
    except Refused as exc:
        return json_reply(p.service_error(exc.error, t, exc.message), exc.error.status)
    except AccountError as exc:
        reply = p.service_refusal(exc, t)
        if not service:
            error = reply.body["error"]
            return json_reply({"message": error["displayMessage"]}, reply.status, reply.retry_after)
        return answer(reply)
    except ModelError as exc:
        return refuse(request.path, STATUS_OF[exc.kind], exc.message, t)
