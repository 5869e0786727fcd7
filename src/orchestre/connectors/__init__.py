"""The only code that knows a social network exists: connectors behind one protocol."""
