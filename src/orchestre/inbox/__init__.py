"""The community inbox: interactions from every channel, threaded into conversations and
worked by the team (assignment, statuses, notes, saved replies, first-response targets)."""
