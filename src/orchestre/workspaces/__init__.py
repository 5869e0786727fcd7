"""Workspaces, people, memberships, roles, permissions, sessions and API tokens."""
