"""``python -m solver``: see :mod:`solver.cli`.

The process ends with ``os._exit`` once the command has written its files and
flushed its output: freeing a registry of millions of entities object by
object at interpreter exit took seconds and did nothing useful.
"""

import os
import sys

from solver.cli import main

code = main()
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
