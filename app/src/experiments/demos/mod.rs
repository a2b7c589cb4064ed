//! Small lesson demos (placeholders until the lead writes them).

use leptos::prelude::*;

/// GPU visibility (`LAB_VISIBLE_DEVICES`) demo.
#[component]
pub fn VisibilityDemo() -> impl IntoView {
    view! { <p class="demo-placeholder">"The GPU visibility demo is coming soon."</p> }
}

/// Asynchronous-timing demo.
#[component]
pub fn TimingDemo() -> impl IntoView {
    view! { <p class="demo-placeholder">"The timing demo is coming soon."</p> }
}

/// Cost calculator demo.
#[component]
pub fn CostCalculator() -> impl IntoView {
    view! { <p class="demo-placeholder">"The cost calculator is coming soon."</p> }
}
