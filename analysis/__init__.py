"""Pure analyses over a networkx view of the graph: no store, no web, no files."""
