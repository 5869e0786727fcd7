"""Community content: user-generated content with the creators' rights, co-creation
(contests, calls for contributions, public submissions) and their review."""
