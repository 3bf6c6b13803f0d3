"""The session service: the Calls SDK's auth flows per app, and the ports they need."""
