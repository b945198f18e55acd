//! Any bytes as a push body, decoded as the registry decodes one before
//! anything runs: the JSON, each mutation's clock and its typed form. No
//! panic; a clock and a mutation that decode encode back to themselves.
#![no_main]

use groundgame_domain::wire::PushRequest;
use groundgame_domain::{Hlc, Mutation};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(request) = serde_json::from_slice::<PushRequest>(data) else {
        return;
    };
    for mutation in &request.mutations {
        if let Some(hlc) = Hlc::decode(&mutation.hlc) {
            assert_eq!(Hlc::decode(&hlc.encode()), Some(hlc));
            let clamped = hlc.clamped(1_800_000_000_000, 12 * 3600 * 1000);
            assert!(clamped.wall_ms <= 1_800_000_000_000 + 12 * 3600 * 1000);
        }
        if let Ok(decoded) = Mutation::decode(&mutation.kind, mutation.version, &mutation.payload) {
            let again = serde_json::to_value(&decoded).expect("a decoded mutation serialises");
            assert_eq!(
                Mutation::decode(&mutation.kind, mutation.version, &again).ok(),
                Some(decoded),
                "a decoded mutation reads back as itself"
            );
        }
    }
});
