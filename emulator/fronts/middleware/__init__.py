"""Small request jobs, one each, working on the request's :class:`..call.Call`.

Three kinds (see :mod:`..surface`): *middlewares* wrap the rest of the way
(:func:`.errors.map_errors`); *guards* run before a matched route's handler and may refuse
(:func:`.body_limit.limit_body`, added by :mod:`..app` first for every request,
:func:`.sync.sync_model`, :func:`.admin_gate.admin_gate`, :func:`.auth.auth_policy`,
:func:`.faults.inject_faults`); *observers* see every answer once it is decided
(:func:`.journal.record_journal`, :func:`.request_log.log_requests`). Guards and
observers are plain calls: the hot path pays no coroutine per job.
"""
