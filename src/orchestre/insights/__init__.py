"""Insights: the metrics of our published posts, collected over time, and the best time to
post on each channel, learnt from them with the network's typical pattern as a prior."""
