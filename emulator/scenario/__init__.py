"""Scenario files: YAML that describes a gateway, its chargers, cars, sun and timeline."""
