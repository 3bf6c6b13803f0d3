"""CometChat auth sidecar: a gRPC service that logs local apps' users in to CometChat."""

__version__ = "0.1.0"
