"""The audit log of changes to posts, channels, members and settings."""
