"""The procedure catalogue: the national export format, parsing and importing."""
