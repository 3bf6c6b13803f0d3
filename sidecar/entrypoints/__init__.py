"""Entrypoints: how the outside reaches the sidecar (gRPC listeners, probes, reload)."""
