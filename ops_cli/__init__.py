"""The ``ops-center`` command: one module per subcommand, wired together in ``ops_cli.main``."""
