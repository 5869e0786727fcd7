"""Listening: tracked queries, collected mentions, brand health."""
