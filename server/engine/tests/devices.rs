//! Adapter listing and visibility on the real machine.

mod common;

use common::{engine, gpu_available};
use lab_engine::{Engine, EngineConfig, VisibilitySource};

#[test]
fn unset_lists_every_adapter_as_visible() {
    if !gpu_available() {
        return;
    }
    let list = engine().devices(None);
    assert_eq!(list.visibility_source, VisibilitySource::Unset);
    for (i, a) in list.adapters.iter().enumerate() {
        assert_eq!(a.physical_index, i);
        assert_eq!(a.visible_index, Some(i));
        assert!(!a.name.is_empty() && !a.backend.is_empty());
        if a.software {
            assert!(a.label.starts_with(lab_engine::SOFTWARE_LABEL));
        }
    }
    assert!(list.cpu_threads >= 1);
}

#[test]
fn override_beats_server_setting() {
    let e = Engine::new(EngineConfig {
        visible_devices: Some(String::new()),
        ..Default::default()
    });
    let server = e.devices(None);
    assert_eq!(server.visibility_source, VisibilitySource::ServerSetting);
    assert!(server.visibility.visible.is_empty());
    assert!(server.adapters.iter().all(|a| a.visible_index.is_none()));
    let req = e.devices(Some("0"));
    assert_eq!(req.visibility_source, VisibilitySource::RequestOverride);
    assert_eq!(req.visibility.visible.len(), req.adapters.len().min(1));
}

#[test]
fn stop_token_is_reported() {
    let list = engine().devices(Some("0,-1,1"));
    let stop = list.visibility.stopped_at.expect("stopped");
    // With no adapter at all "0" is already out of range.
    if list.adapters.is_empty() {
        assert_eq!(stop.token, "0");
    } else {
        assert_eq!(stop.token, "-1");
        assert_eq!(list.visibility.visible, vec![0]);
    }
}
