//! The one rule every test suite follows about GPUs.

/// Whether GPU tests can run, given how many adapters wgpu found (lavapipe
/// counts). Without one they are skipped loudly, except under CI (`CI` set),
/// where the GPU path must be tested and a missing adapter is a failure.
pub fn gpu_present_or_skip(adapters: usize) -> bool {
    if adapters > 0 {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but wgpu found no GPU adapter: install mesa-vulkan-drivers (lavapipe) \
         so the GPU path is really tested"
    );
    eprintln!("SKIPPING the GPU part of this test: no Vulkan/Metal/DX12 adapter on this machine");
    eprintln!("(install mesa-vulkan-drivers for lavapipe; under CI this is a failure)");
    false
}
