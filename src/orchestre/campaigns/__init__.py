"""Paid campaigns: results, budgets, pacing and experiments."""
