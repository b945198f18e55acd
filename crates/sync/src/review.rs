//! The coordinator's review queue lives on the registry (it gathers what
//! every laptop of the office sent), so it is read and decided online, one
//! request at a time; a decision reaches the laptops, this one included,
//! through the change feed on their next sync.

use crate::engine::{Link, LocalStore};
use crate::SyncError;
use groundgame_domain::review::{ReviewDecision, ReviewList, ReviewResolution};

/// A page of open items after item `after`.
pub async fn open_items(
    store: &impl LocalStore,
    after: i64,
    limit: u32,
) -> Result<ReviewList, SyncError> {
    let link = Link::of(store)?;
    let token = link.client.token(&link.device_id, &link.secret).await?;
    link.client
        .review_list(&token.access_token, after, limit)
        .await
}

/// Decides item `id`.
pub async fn decide(
    store: &impl LocalStore,
    id: i64,
    decision: &ReviewDecision,
) -> Result<ReviewResolution, SyncError> {
    let link = Link::of(store)?;
    let token = link.client.token(&link.device_id, &link.secret).await?;
    link.client
        .review_resolve(&token.access_token, id, decision)
        .await
}
