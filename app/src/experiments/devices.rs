//! `/lab` says where a run will go before anything runs: the GPU adapters the
//! server sees (labelled plainly when one is software emulation) and the CPU.

use leptos::prelude::*;

use super::server::lab_devices;

#[component]
pub fn LabDevices() -> impl IntoView {
    let devices = Resource::new(|| (), |_| lab_devices(None));
    view! {
        <section class="lab-devices" aria-labelledby="devices-heading">
            <h2 id="devices-heading">"Where your runs go"</h2>
            <Suspense fallback=|| view! { <p>"Looking for adapters…"</p> }>
                {move || Suspend::new(async move {
                    match devices.await {
                        Ok(list) => {
                            let visible: Vec<_> = list
                                .adapters
                                .into_iter()
                                .filter(|a| a.visible_index.is_some())
                                .collect();
                            let cpu = format!("this server's processor, {} threads", list.cpu_threads);
                            view! {
                                <ul class="adapters">
                                    {visible.into_iter().map(|a| view! {
                                        <li class="adapter" data-device="GPU" data-software=a.software.to_string()>
                                            <strong>"GPU: "</strong>
                                            <span class="adapter-name">{a.name} {format!(" ({})", a.backend)}</span>
                                            " — "
                                            <span class:software-label=a.software>{a.label}</span>
                                        </li>
                                    }).collect_view()}
                                    {list.no_gpu_message.map(|m| view! {
                                        <li class="adapter" data-device="GPU"><strong>"GPU: "</strong>{m}</li>
                                    })}
                                    <li class="adapter" data-device="CPU"><strong>"CPU: "</strong>{cpu}</li>
                                </ul>
                            }.into_any()
                        }
                        Err(_) => view! { <p class="error">"The adapters could not be listed."</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
