"""Small middlewares, one job each, in aiohttp's ``(request, handler)`` shape.

A surface lists them in order (outermost first). Around every request it answers:
:func:`.request_log.log_requests`, :func:`.journal.record_journal`,
:func:`.errors.map_errors`, then :func:`.body_limit.limit_body` (added by
:mod:`..app` for every route). Around a matched route only: :func:`.sync.sync_model`,
:func:`.admin_gate.admin_gate`, :func:`.auth.auth_policy`, :func:`.faults.inject_faults`.
They read the matched route and the surface from the request (:mod:`..context`).
"""
