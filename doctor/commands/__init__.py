"""One module per subcommand; each has `run(args, host, ui) -> ExitCode`.

cli.py parses the command line, builds the Host and calls the subcommand's `run`; what the
subcommands share (choosing checks, running them, the JSON envelope) is in common.py.
"""
