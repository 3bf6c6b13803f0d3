"""The domain: users, sessions, app identities, session changes and the error model.

No I/O here.
"""
