"""Each network's publishing rules, as data plus code: text counting, media limits."""
