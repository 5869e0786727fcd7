"""Moderation: the classifiers' decisions put to work by rules, and crisis detection."""
