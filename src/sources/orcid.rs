//! Orcid source (not yet implemented: answers nothing).

use futures::future::BoxFuture;

use super::{Ctx, Fetched, Lookup, Source};
use crate::http::HttpError;
use crate::model::Service;

/// The Orcid source.
#[derive(Debug, Clone, Copy)]
pub struct Orcid;

impl Source for Orcid {
    fn service(&self) -> Service {
        Service::Orcid
    }

    fn handles(&self, _lookup: &Lookup) -> bool {
        false
    }

    fn batch_size(&self, _lookup: &Lookup) -> usize {
        1
    }

    fn fetch<'a>(
        &'a self,
        _ctx: &'a Ctx,
        _batch: &'a [Lookup],
    ) -> BoxFuture<'a, Result<Fetched, HttpError>> {
        Box::pin(async { Ok(Fetched::default()) })
    }
}
