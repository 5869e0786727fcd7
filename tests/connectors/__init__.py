"""Tests of the connectors: the contract, the registry, the HTTP client, each network."""
