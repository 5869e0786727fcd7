"""Meta's networks on the Graph API: Facebook Pages, Instagram professional accounts, Threads."""

from orchestre.connectors.meta.facebook import FacebookConnector
from orchestre.connectors.meta.graph import GRAPH_VERSION, Poller
from orchestre.connectors.meta.instagram import InstagramConnector
from orchestre.connectors.meta.threads import ThreadsConnector

__all__ = ["GRAPH_VERSION", "FacebookConnector", "InstagramConnector", "Poller", "ThreadsConnector"]
