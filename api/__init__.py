"""Public query API of the JCM registry: an event indexer, its database, a FastAPI app and an
explorer.

Entry points:

- :func:`api.indexer.run`: index a deployment into SQLite or PostgreSQL, following the chain head.
- :func:`api.app.create_app`: the FastAPI application (JSON API under ``/v1``, explorer at ``/``).
- :func:`api.server.serve`: run the API with uvicorn, optionally with the indexer in the same
process.
"""
