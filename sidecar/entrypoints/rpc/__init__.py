"""The gRPC side: listeners, caller identity, the servicer and rich error statuses."""
