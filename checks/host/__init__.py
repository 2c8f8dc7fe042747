"""The computer itself: RAM, CPUs, disk (and, to come, VS Code)."""
