//! Taking a turf out: a canvasser's laptop leases every door of the turf
//! from the registry, all or none, so two canvassers never walk the same
//! turf; when another laptop holds it, the answer says which and until
//! when. Online, one request (a turf is at most 5,000 doors).

use crate::engine::{Link, LocalStore};
use crate::SyncError;
use groundgame_domain::work::TurfHold;

/// Takes turf `turf` (this laptop's id) for `hours` (at most 12): the
/// hold this laptop now has, or another laptop's that kept it (none only if
/// that hold ran out as the answer came).
pub async fn take(
    store: &impl LocalStore,
    turf: i64,
    hours: f64,
) -> Result<Option<TurfHold>, SyncError> {
    let (targets, holder) =
        store.with(|store| Ok((store.turf_targets(turf)?, store.acting_name()?)))?;
    let link = Link::of(store)?;
    let token = link.client.token(&link.device_id, &link.secret).await?;
    let seconds = (hours * 3_600.0).clamp(60.0, f64::from(groundgame_domain::wire::LEASE_TTL_MAX));
    let answer = link
        .client
        .lease_all(&token.access_token, targets, seconds as u32, holder)
        .await?;
    store.with(|store| {
        store.save_leases(&answer)?;
        store.turf_hold(turf, jiff::Timestamp::now())
    })
}
