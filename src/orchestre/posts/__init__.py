"""Posts, per-channel variants, media, editorial line, content pillars and campaigns."""
