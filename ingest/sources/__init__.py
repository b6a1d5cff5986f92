"""One module per importable source; `ingest.registry` lists them and imports a file."""
