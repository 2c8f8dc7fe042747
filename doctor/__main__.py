"""`python -m devdoctor`."""

import sys

from .cli import main

sys.exit(main())
