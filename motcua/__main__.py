"""``python -m motcua``: the same as the ``kiosk`` command."""

import sys

from motcua.cli import main

sys.exit(main())
