"""`python -m api` is the `chainkg` command."""

from api.cli import main

main()
