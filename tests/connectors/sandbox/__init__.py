"""Tests of the sandbox network."""
