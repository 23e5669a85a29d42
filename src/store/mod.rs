//! The persistent metadata store (SQLite): raw responses and parsed candidates,
//! keyed by service and request, with TTLs and validators for conditional requests.
