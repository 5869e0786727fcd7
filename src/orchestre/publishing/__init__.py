"""Publishing: publications with their own state machine, claimed by workers with a lease,
sent exactly once, retried with backoff, reconciled on the network when the outcome is unknown."""
