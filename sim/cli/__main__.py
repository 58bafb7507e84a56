"""`python -m dentsim.cli`: the `dentsim` command."""

import sys

from dentsim.cli import main

sys.exit(main())
