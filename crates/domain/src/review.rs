//! The coordinator's review queue: what the registry would not decide on
//! its own (an identity field two laptops disagree on, a reported death or
//! move, someone added at a door, a knock on another office's voter), and
//! the decisions a coordinator makes about it (`docs/sync-protocol.md`,
//! "Review").

use serde::{Deserialize, Serialize};

/// What an item is about, which decides what can be done with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReviewKind {
    /// Two devices changed a name field concurrently; the registry kept the
    /// value it had.
    Correction,
    /// A canvasser or caller reported the voter deceased.
    Deceased,
    /// A canvasser reported the voter moved away (the address is bad).
    Moved,
    /// Someone met at a door who was not in the voter file.
    AddedAtDoor,
    /// Work recorded on a voter outside the recording device's office
    /// (usually an office re-cut while a canvasser was offline).
    OutsideOffice,
    /// Work a laptop pushed after it was revoked (it may have been stolen):
    /// kept, not applied, until a coordinator says.
    AfterRevocation,
}

impl ReviewKind {
    pub const ALL: [ReviewKind; 6] = [
        Self::Correction,
        Self::Deceased,
        Self::Moved,
        Self::AddedAtDoor,
        Self::OutsideOffice,
        Self::AfterRevocation,
    ];

    /// The kind of a queue row, from the name the registry stores: the
    /// mutation's kind for work outside an office, else the reason's slug.
    /// A name this build does not know is `None`, never a guess: such an
    /// item is shown, and cannot be decided, until the registry is updated.
    pub fn from_stored(kind: &str) -> Option<Self> {
        match kind {
            "correction" => Some(Self::Correction),
            "deceased" => Some(Self::Deceased),
            "moved" => Some(Self::Moved),
            "added_at_door" => Some(Self::AddedAtDoor),
            "after_revocation" => Some(Self::AfterRevocation),
            pushed => crate::mutation::MutationKind::parse(pushed).map(|_| Self::OutsideOffice),
        }
    }

    /// The decisions a coordinator can make, the first being the one that
    /// takes the device's word.
    pub fn actions(self) -> &'static [ReviewAction] {
        match self {
            Self::Correction => &[ReviewAction::Accept, ReviewAction::Keep],
            Self::Deceased | Self::Moved => &[ReviewAction::Confirm, ReviewAction::Reject],
            Self::AddedAtDoor => &[ReviewAction::Confirm, ReviewAction::Remove],
            Self::OutsideOffice | Self::AfterRevocation => {
                &[ReviewAction::Apply, ReviewAction::Discard]
            }
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Correction => "Name conflict",
            Self::Deceased => "Reported deceased",
            Self::Moved => "Reported moved",
            Self::AddedAtDoor => "Added at a door",
            Self::OutsideOffice => "Outside the office",
            Self::AfterRevocation => "From a revoked laptop",
        }
    }
}

/// A coordinator's decision about one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReviewAction {
    /// Take the device's value for the name field.
    Accept,
    /// Keep the registry's value.
    Keep,
    /// The report (deceased, moved) or the new person is right.
    Confirm,
    /// The report was wrong: the voter stays contactable everywhere.
    Reject,
    /// The person added at a door is not real or a duplicate: remove them
    /// from every slice (their contact history stays on the registry).
    Remove,
    /// Apply the work recorded outside the office, under the voter's own
    /// office.
    Apply,
    /// Leave the work recorded outside the office unapplied (it stays in
    /// the registry's record).
    Discard,
}

impl ReviewAction {
    pub const ALL: [ReviewAction; 7] = [
        Self::Accept,
        Self::Keep,
        Self::Confirm,
        Self::Reject,
        Self::Remove,
        Self::Apply,
        Self::Discard,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::Keep => "keep",
            Self::Confirm => "confirm",
            Self::Reject => "reject",
            Self::Remove => "remove",
            Self::Apply => "apply",
            Self::Discard => "discard",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|action| action.slug().eq_ignore_ascii_case(text.trim()))
    }

    /// The button's words.
    pub fn label(self) -> &'static str {
        match self {
            Self::Accept => "Use the new value",
            Self::Keep => "Keep the current value",
            Self::Confirm => "Confirm",
            Self::Reject => "Not so: reject",
            Self::Remove => "Remove",
            Self::Apply => "Apply to the voter",
            Self::Discard => "Discard",
        }
    }
}

/// One open item, as a coordinator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewItem {
    pub id: i64,
    pub kind: ReviewKind,
    pub voter_id: Option<String>,
    /// "First Last", when the voter is in the campaign's file.
    pub voter_name: Option<String>,
    pub precinct: Option<String>,
    /// The device (and its office) that recorded what is under review.
    pub device: String,
    pub office: String,
    /// When it reached the registry (RFC 3339).
    pub created_at: String,
    /// Why the registry did not decide it.
    pub reason: String,
    /// What was recorded, in a line.
    pub summary: String,
    /// For a name conflict: the field, the registry's value and the
    /// device's.
    pub field: Option<String>,
    pub current: Option<String>,
    pub proposed: Option<String>,
    pub actions: Vec<ReviewAction>,
}

/// The open items a coordinator may decide, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewList {
    pub items: Vec<ReviewItem>,
    /// Open items in this coordinator's scope, beyond this page too.
    pub open: u64,
}

/// The body of a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewDecision {
    pub action: ReviewAction,
    /// Why, for the audit log and the next coordinator.
    #[serde(default)]
    pub note: Option<String>,
}

/// What a decision did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewResolution {
    pub id: i64,
    pub action: ReviewAction,
    /// In a sentence: what changed, and for whom.
    pub outcome: String,
    /// Changes put in the feed (laptops see them on their next sync).
    pub changes: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_offers_two_decisions_that_parse_back() {
        for kind in ReviewKind::ALL {
            assert_eq!(kind.actions().len(), 2, "{kind:?}");
            for action in kind.actions() {
                assert_eq!(ReviewAction::parse(action.slug()), Some(*action));
            }
        }
        assert_eq!(
            ReviewAction::parse(" Confirm "),
            Some(ReviewAction::Confirm)
        );
        assert_eq!(ReviewAction::parse("maybe"), None);
    }

    #[test]
    fn stored_kinds_map_to_what_a_coordinator_decides() {
        for (stored, expected) in [
            ("correction", Some(ReviewKind::Correction)),
            ("deceased", Some(ReviewKind::Deceased)),
            ("moved", Some(ReviewKind::Moved)),
            ("added_at_door", Some(ReviewKind::AddedAtDoor)),
            ("after_revocation", Some(ReviewKind::AfterRevocation)),
            ("record_contact", Some(ReviewKind::OutsideOffice)),
            ("reverse_dnc", Some(ReviewKind::OutsideOffice)),
            ("release_lease", Some(ReviewKind::OutsideOffice)),
            ("drop_everything", None),
            ("", None),
        ] {
            assert_eq!(ReviewKind::from_stored(stored), expected, "{stored:?}");
        }
        let wire = serde_json::to_string(&ReviewDecision {
            action: ReviewAction::Keep,
            note: None,
        })
        .expect("serialises");
        assert_eq!(wire, r#"{"action":"keep","note":null}"#);
    }
}
