"""Queueing: posting slots per channel, "add to queue", recurring and evergreen variants."""
