"""Fronts translate a wire format to the model's commands and its read model to bodies; one
subpackage per surface.

A surface (:mod:`.surface`) is a front with its own rules: its route table, how it
identifies a caller, how it words refusals, its default headers and its middlewares.
:func:`.app.make_app` serves any set of surfaces on one listener; :mod:`.registry` names
the main listener's two: the gateway (:mod:`.gateway`) and the admin API (:mod:`.admin`).
Shared pieces: the route table entry (:mod:`.routing`), the one-job middlewares
(:mod:`.middleware`), the request journal (:mod:`.journal`), the OpenAPI builder
(:mod:`.openapi`) and the HTTPS server (:mod:`.server`).
"""
