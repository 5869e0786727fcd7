"""LinkedIn: members and organization pages through the versioned Posts API."""

from orchestre.connectors.linkedin.connector import (
    OAUTH2,
    LinkedInConnector,
    LinkedInInstallation,
)

__all__ = ["OAUTH2", "LinkedInConnector", "LinkedInInstallation"]
