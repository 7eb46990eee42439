import gc
import sys

# No automatic garbage collection while start-up imports and builds: it frees almost
# nothing then (nearly everything made is still in use), and its passes over the growing
# heap cost `serve`'s start-up ~50 ms of CPU. cli.main turns it on again: serve once it
# listens and has frozen the start-up heap, every other command before it runs.
gc.disable()

from .cli import main  # noqa: E402  (after the line above, on purpose)

sys.exit(main(gc_paused=True))
