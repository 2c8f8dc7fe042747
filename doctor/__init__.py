"""devdoctor: finds what will break a devcontainer build, before "Reopen in Container"."""

__version__ = "0.1.0"
