//! Stage 3: ranking publications for project pages (`publist fill`).
