"""Framework-free helpers shared by every domain."""
