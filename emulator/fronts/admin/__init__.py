"""The admin surface: the emulator's own API under ``/__emulator/`` (health, the CA, tokens,
events, the clock, scenarios, the request journal, the OpenAPI document). JSON errors,
gated by the admin token when the server has one, never faulted.
:data:`.surface.SURFACE` puts it together."""
