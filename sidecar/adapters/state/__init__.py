"""Where sessions live: memory, SQLite or Redis, sealed with AES-GCM at rest."""
