//! `/transfer`: show a one-time code on this browser, or type one from another.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::server::{shown_transfer_code, NewTransferCode, RedeemTransferCode};

#[component]
pub fn TransferPage() -> impl IntoView {
    let show = ServerAction::<NewTransferCode>::new();
    // One memo per form, not one per read (`pending()` makes a new one each call).
    let show_pending = show.pending();
    let redeem = ServerAction::<RedeemTransferCode>::new();
    // One memo per form, not one per read (`pending()` makes a new one each call).
    let redeem_pending = redeem.pending();
    // Without JavaScript the code made by the last post is read back from its cookie.
    let shown = Resource::new(|| (), |_| shown_transfer_code());
    let query = use_query_map();
    let moved = move || {
        let done =
            redeem.value().get().is_some_and(|r| r.is_ok()) || query.read().get("moved").is_some();
        done.then(|| {
            view! {
                <p class="notice" role="status">
                    "Done: this browser now continues your progress. "
                    <a href="/progress">"See my progress"</a>
                </p>
            }
        })
    };
    let show_error = move || {
        show.value()
            .get()
            .and_then(Result::err)
            .map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })
    };
    let redeem_error = move || {
        redeem
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })
    };
    view! {
        <Title text="Move my progress — Inference Lab"/>
        <section class="classes-page" aria-labelledby="transfer-heading">
            <h1 id="transfer-heading">"Move my progress to another device"</h1>
            <div aria-live="polite">{moved}</div>
            <p>"Your progress lives under an anonymous cookie in this browser. A one-time code lets another browser continue with it: the code works once, for 10 minutes."</p>
            <section id="show-code" aria-labelledby="show-code-heading">
                <h2 id="show-code-heading">"1. On the device you used so far"</h2>
                <ActionForm action=show>
                    <button type="submit" disabled=move || show_pending.get()>"Show a transfer code"</button>
                </ActionForm>
                <div aria-live="polite">
                    {show_error}
                    <Suspense fallback=|| ()>
                        {move || {
                            let fresh = show.value().get().and_then(Result::ok);
                            Suspend::new(async move {
                            let from_cookie = shown.await.ok().flatten();
                            let code = fresh.or(from_cookie);
                            code.map(|c| view! {
                                <p class="transfer-code">"Your code: " <strong class="code" data-transfer-code="">{c}</strong></p>
                                <p class="hint">"Type it on the other device within 10 minutes. It works once."</p>
                            })
                        })}}
                    </Suspense>
                </div>
            </section>
            <section id="use-code" aria-labelledby="use-code-heading">
                <h2 id="use-code-heading">"2. On the new device"</h2>
                <p>"Progress made in this browser so far is replaced by the other device's."</p>
                <ActionForm action=redeem attr:class="class-form">
                    <div class="field">
                        <label for="transfer-code">"Transfer code"</label>
                        <input id="transfer-code" name="code" type="text" maxlength="32" required=true autocomplete="off"
                            autocapitalize="characters" spellcheck="false"/>
                    </div>
                    <button type="submit" disabled=move || redeem_pending.get()>"Continue here"</button>
                </ActionForm>
                <div aria-live="polite">{redeem_error}</div>
            </section>
        </section>
    }
}
