//! Stage 2: one file per external service, each behind one trait, each with a
//! base URL that config and `PUBLIST_<SERVICE>_URL` can override.
