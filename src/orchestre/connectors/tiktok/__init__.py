"""TikTok: Direct Post of videos and photo posts through the Content Posting API v2."""

from orchestre.connectors.tiktok.connector import TikTokConnector, TikTokInstallation
from orchestre.connectors.tiktok.upload import ChunkRules, plan_chunks

__all__ = ["ChunkRules", "TikTokConnector", "TikTokInstallation", "plan_chunks"]
