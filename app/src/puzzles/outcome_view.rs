//! What the server said about a kernel: a compile error with its position,
//! the sizes checked (first mismatch), and the timings beside the built-ins.

use lab_types::{CompileError, KernelTiming, PuzzleOutcome, PuzzleReference, SizeCheck};

use crate::experiments::roofline::PuzzleRoofs;
use leptos::prelude::*;

use super::source_text::{error_quote, ErrorQuote};

fn ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0} ms")
    } else if v >= 1.0 {
        format!("{v:.2} ms")
    } else {
        format!("{v:.3} ms")
    }
}

fn error_text(v: f64) -> String {
    if v >= f64::MAX {
        "not a number".into()
    } else {
        format!("{v:.2e}")
    }
}

#[component]
pub fn OutcomeView(
    outcome: PuzzleOutcome,
    /// The kernel the outcome is about (a compile error quotes its line).
    source: String,
    /// What the puzzle computes (places a correct kernel on the roofline).
    reference: PuzzleReference,
) -> impl IntoView {
    match outcome {
        PuzzleOutcome::CompileError(e) => view! { <CompileErrorView error=e source/> }.into_any(),
        PuzzleOutcome::Wrong { adapter, checks } => view! {
            <div class="puzzle-verdict wrong">
                <h2 id="verdict">"Not right yet"</h2>
                <p>{format!("Your kernel ran on {adapter}, but some outputs differ from the CPU reference.")}</p>
                <ChecksTable checks/>
            </div>
        }
        .into_any(),
        PuzzleOutcome::Correct {
            adapter,
            checks,
            timing,
            builtins,
            workgroup_size,
        } => {
            let [x, y, z] = workgroup_size;
            let size = checks.last().map(|c| c.size);
            let kernels: Vec<KernelTiming> = std::iter::once(timing.clone()).chain(builtins.clone()).collect();
            view! {
                <div class="puzzle-verdict correct">
                    <h2 id="verdict">"Correct!"</h2>
                    <p>{format!(
                        "Every output matches the CPU reference. Timed on {adapter} with @workgroup_size({x}, {y}, {z}) on the largest size."
                    )}</p>
                    <ChecksTable checks/>
                    <TimingTable timing builtins/>
                    {size.map(|size| view! { <PuzzleRoofs adapter=adapter.clone() reference size kernels/> })}
                </div>
            }
            .into_any()
        }
    }
}

#[component]
fn CompileErrorView(error: CompileError, source: String) -> impl IntoView {
    let at = match (error.line, error.column) {
        (Some(l), Some(c)) => format!("Line {l}, column {c}"),
        (Some(l), None) => format!("Line {l}"),
        _ => "The kernel does not fit the puzzle".into(),
    };
    let quote = error
        .line
        .and_then(|l| error_quote(&source, l, error.column));
    view! {
        <div class="puzzle-verdict compile-error">
            <h2 id="verdict">"Compile error"</h2>
            <p class="error-position"><strong>{at}</strong></p>
            {quote.map(|q| view! { <QuotedLines quote=q/> })}
            <pre class="compiler-message">{error.message}</pre>
        </div>
    }
}

/// The line to look at, as the learner wrote it, and the line before when a
/// missing `;` there is the likelier fault.
#[component]
fn QuotedLines(quote: ErrorQuote) -> impl IntoView {
    let ErrorQuote {
        line,
        text,
        previous,
    } = quote;
    view! {
        <p class="error-quote">{format!("line {line}: ")}<QuotedCode text/></p>
        {previous.map(|(n, text)| view! {
            <p class="error-hint">
                {format!(
                    "Is a “;” missing at the end of line {n}? A missing “;” is only noticed where the next line starts."
                )}
            </p>
            <p class="error-quote previous-line">{format!("line {n}: ")}<QuotedCode text/></p>
        })}
    }
}

#[component]
fn QuotedCode(text: String) -> impl IntoView {
    if text.is_empty() {
        view! { <em>"(an empty line)"</em> }.into_any()
    } else {
        view! { <code>{text}</code> }.into_any()
    }
}

#[component]
fn ChecksTable(checks: Vec<SizeCheck>) -> impl IntoView {
    view! {
        <div class="table-scroll" tabindex="0">
            <table class="puzzle-checks">
                <caption>"Sizes checked against the CPU reference"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Size"</th>
                        <th scope="col">"Largest error"</th>
                        <th scope="col">"First mismatch"</th>
                    </tr>
                </thead>
                <tbody>
                    {checks
                        .into_iter()
                        .map(|c| {
                            let mismatch = match c.first_mismatch {
                                None => "none".to_string(),
                                Some(m) => format!(
                                    "y[{}]: expected {}, got {}",
                                    m.index,
                                    m.expected,
                                    m.got.map(|g| g.to_string()).unwrap_or_else(|| "nothing (not written, or not a number)".into())
                                ),
                            };
                            view! {
                                <tr>
                                    <td>{c.size.to_string()}</td>
                                    <td>{error_text(c.max_abs_error)}</td>
                                    <td>{mismatch}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn TimingTable(timing: KernelTiming, builtins: Vec<KernelTiming>) -> impl IntoView {
    let method = timing.method.clone();
    let rows: Vec<KernelTiming> = std::iter::once(timing).chain(builtins).collect();
    view! {
        <div class="table-scroll" tabindex="0">
            <table class="puzzle-timing">
                <caption>"Speed on the largest size"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Kernel"</th>
                        <th scope="col">"Median"</th>
                        <th scope="col">"10th–90th percentile"</th>
                        <th scope="col">"Rate"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|t| view! {
                            <tr>
                                <th scope="row">{t.name}</th>
                                <td>{ms(t.summary.median_ms)}</td>
                                <td>{format!("{} – {}", ms(t.summary.p10_ms), ms(t.summary.p90_ms))}</td>
                                <td>{format!("{:.2} {}", t.rate, t.unit.label())}</td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <p class="timing-method">{format!("Measured with the {method}, after a warm-up launch.")}</p>
    }
}
