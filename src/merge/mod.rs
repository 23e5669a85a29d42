//! Stage 3: identity resolution between bib entries and harvested candidates, field merge
//! with provenance, enrichment patches, and discovery of missing works.

pub mod apply;
pub mod discover;
pub mod enrich;
pub mod fold;
pub mod identity;
pub mod ignore;
pub mod keys;
pub mod provenance;
pub mod review;
