"""`python -m devdoctor`."""

from .cli import console

console()
