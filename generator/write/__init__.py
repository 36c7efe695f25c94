"""Writing: overlay discovery, ownership of generated files, the lock and journaled atomic writes."""
