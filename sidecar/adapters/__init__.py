"""Adapters: the I/O behind the service's ports (CometChat, state, credentials, metrics)."""
