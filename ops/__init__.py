"""Operations: the health endpoint, the worker heartbeat, logging helpers."""
