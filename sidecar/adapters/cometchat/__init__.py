"""CometChat over httpx: the REST and client API calls, with retries and a breaker."""
