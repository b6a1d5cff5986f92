"""The project library: projects declared, reviewed and approved (measures 7 and 8), their form
fields, who may do what, the users who act and the clock they act by. Below `api/`, beside
`analysis/`; it reads and writes through a `graph` store and imports nothing above it.
"""
