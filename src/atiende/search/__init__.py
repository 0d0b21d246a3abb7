"""Search over subjects, messages and contacts: one backend per database engine, one API."""
