"""The thin command line: argparse, the error funnel, exit codes."""
