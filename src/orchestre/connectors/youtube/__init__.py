"""YouTube: videos and Shorts by resumable upload, comments, likes and counts (Data API v3)."""

from orchestre.connectors.youtube.connector import YouTubeConnector, YouTubeInstallation
from orchestre.connectors.youtube.upload import UploadRules

__all__ = ["UploadRules", "YouTubeConnector", "YouTubeInstallation"]
