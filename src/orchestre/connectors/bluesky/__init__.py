"""Bluesky (AT Protocol) connector."""

from orchestre.connectors.bluesky.connector import BlueskyConnector
from orchestre.connectors.bluesky.facets import Facet, facets
from orchestre.connectors.bluesky.installation import BlueskyInstallation

__all__ = ["BlueskyConnector", "BlueskyInstallation", "Facet", "facets"]
