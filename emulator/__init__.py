"""An HTTPS emulator of the Enphase IQ Gateway's local EV-charger API."""

__version__ = "0.1.0"
