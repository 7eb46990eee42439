"""The gateway surface: what a real IQ Gateway serves (``/info``, ``/auth/check_jwt``, the
local EV routes under ``/ivp/``) with its rules: tokens and session cookies, the firmware's
EV role policy, openresty's headers, the HTML 401 page and the ``/ivp`` 404 body.
:data:`.surface.SURFACE` puts them together."""
