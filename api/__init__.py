"""The interfaces: the `chainkg` command line and the web app with its JSON API."""

# Set by `api.cli.main`: this process runs one command and ends once it has printed, so a command
# computing an answer may turn Python's cyclic collector off (`api.answers.answered`). A process
# that runs more (a server, a test) keeps it.
ONE_COMMAND = False
