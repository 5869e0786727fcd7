"""The composer's JSON routes (the use cases live in orchestre.posts.compose).

A package of its own, not posts/compose_api.py: the import-linter contract lets only
modules named `orchestre.<domain>.api` speak HTTP, and pyproject.toml is not ours to edit.
"""
