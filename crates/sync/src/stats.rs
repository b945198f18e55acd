//! The campaign's figures by office, read from the registry (online only:
//! they gather every office's results). The laptop's own Office dashboard
//! needs no network; this adds the other offices' figures beside it.

use crate::engine::{Link, LocalStore};
use crate::SyncError;
use groundgame_domain::results::CampaignStats;

/// The figures this laptop's role may see, days counted in `zone`.
pub async fn campaign(store: &impl LocalStore, zone: &str) -> Result<CampaignStats, SyncError> {
    let link = Link::of(store)?;
    let token = link.client.token(&link.device_id, &link.secret).await?;
    link.client.stats(&token.access_token, zone).await
}
