"""Python client for the CometChat auth sidecar."""
