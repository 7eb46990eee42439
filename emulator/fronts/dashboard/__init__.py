"""The browser dashboard: static pages served by the emulator and a live event stream."""
