"""The interfaces: the `chainkg` command line and the web app with its JSON API."""
