import gc
import sys

# Start-up allocates much and frees little (modules, schemas, routes, the data file's documents): the cyclic
# collector, run again and again meanwhile, found nothing to free. `serve` turns it back on once it has
# built everything (and freezes what it built); the other commands at once (`sandbox.cli.main`).
gc.disable()

from sandbox.cli import main  # noqa: E402 - after the collector is off

sys.exit(main())
