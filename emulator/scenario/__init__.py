"""Scenario files: YAML that describes a gateway, its chargers, cars, sun, timeline and faults.

- ``load``: ``load_scenario(text, source)``, the one entry point: parse, validate, return;
- ``source``: YAML with positions (YAML 1.2 scalars) for ``file:line:col`` messages;
- ``validate``: the three passes (JSON Schema, meaning, a dry run);
- ``build``: a validated mapping → a running ``World`` (with its timeline scheduled);
- ``timeline``: steps on the model clock, expectations, ``timeline_log(world)``;
- ``templates``: response overrides with ``{{ name }}`` placeholders;
- ``runner`` and ``commands``: ``python -m emulator validate`` / ``run``.

The format is documented in docs/scenarios.md and published as emulator/schema/scenario.json.
"""
