"""Notices that leave the app: emails to the people told, signed webhooks to other systems."""
