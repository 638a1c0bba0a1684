"""``python -m piri_qual`` runs the CLI."""

import sys

from piri_qual.cli import main

sys.exit(main())
