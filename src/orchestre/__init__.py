"""Orchestre: a self-hostable social media management platform."""

__version__ = "0.1.0"
