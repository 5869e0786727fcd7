"""X (formerly Twitter): API v2 with OAuth 2 and PKCE."""

from orchestre.connectors.x.connector import OAUTH2, XConnector, XInstallation

__all__ = ["OAUTH2", "XConnector", "XInstallation"]
