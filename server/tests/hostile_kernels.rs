//! Hostile kernels against the real server binary, one row per class of
//! attack: each is refused with a clear 4xx, or (where only running can
//! tell) stopped at the sandbox's deadline with its process replaced. After
//! every row a normal experiment and a correct kernel still run and measure,
//! and at the end the server's own peak memory is compared with its peak
//! before the table: the kernels never touch the web process.
//!
//! Prints a table of what happened (`cargo test --test hostile_kernels -- --nocapture`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::header::ACCEPT;
use serde_json::{json, Value};

const HEADER: &str = "struct Params { m: u32, k: u32, n: u32, relu: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;
";

const MAP_MAIN: &str = "@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i < p.n) { y[i] = 2.0 * x[i] + 1.0; }
}
";

/// The deadline the server under test gives a kernel (short, to keep the test short).
const DEADLINE_S: u64 = 3;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The real binary on a free port with a fresh database, killed when dropped.
struct Server {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_inference-lab"))
            .env("LAB_ADDR", "127.0.0.1:0")
            .env("LAB_DATABASE", dir.path().join("lab.db"))
            .env("LAB_CONTENT_DIR", workspace().join("content"))
            .env("LEPTOS_SITE_ROOT", workspace().join("target/site"))
            .env("LAB_KERNEL_DEADLINE_S", DEADLINE_S.to_string())
            .env("RUST_LOG", "warn")
            .env(
                "XDG_RUNTIME_DIR",
                std::env::var("XDG_RUNTIME_DIR").unwrap_or_else(|_| "/tmp".into()),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start inference-lab");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://")) {
                    let _ = tx.send(url.to_string());
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server reports its address");
        Server {
            child,
            url,
            _dir: dir,
        }
    }

    /// Peak resident memory of the server process itself (VmHWM), in MiB.
    fn peak_rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("/proc/PID/status");
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM");
        kib / 1024.0
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> reqwest::Client {
    // No cookie store: every request is a new anonymous client (the worst case).
    reqwest::Client::builder()
        .timeout(Duration::from_secs(90))
        .build()
        .unwrap()
}

/// What a row must end in.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// 422 naming one of these fields.
    Refused(&'static [&'static str]),
    /// Answered (200) with any verdict, or refused: only the bound matters.
    Ends,
    /// Stopped at the deadline where the GPU is software (one lavapipe thread
    /// runs the whole workgroup); a hardware GPU finishes it in time.
    DeadlineOnSoftware,
}

struct Row {
    name: &'static str,
    puzzle: &'static str,
    source: String,
    expect: Expect,
}

fn map_with(prefix: &str) -> String {
    format!("{HEADER}{prefix}\n{MAP_MAIN}")
}

/// A correct sum that first spends most of its loop budget on a dependent
/// chain of FMAs: within every static bound (its loop body is 700 lines), but
/// about a second per launch on lavapipe, and a correct kernel is launched
/// on both sizes, then warmed up and timed: several seconds in all.
fn slow_but_correct_sum() -> String {
    let chain = "a=fma(a,1.0001,0.5);\n".repeat(700);
    format!(
        "{HEADER}var<workgroup> part: array<f32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32) {{
var a = 0.0;
for (var j = 0u; j < 30000u; j++) {{
{chain}}}
var acc = 0.0;
for (var i = t; i < p.n; i = i + 256u) {{ acc = acc + x[i]; }}
part[t] = acc;
workgroupBarrier();
for (var s = 128u; s > 0u; s = s >> 1u) {{
if (t < s) {{ part[t] = part[t] + part[t + s]; }}
workgroupBarrier();
}}
if (t == 0u) {{ y[0] = part[0] + min(a, 0.0); }}
}}
"
    )
}

fn rows() -> Vec<Row> {
    // Helpers that call the previous one four times: 4^depth calls, no loop.
    let fan_out = |depth: usize| {
        let mut src = format!("{HEADER}fn g0() -> f32 {{ return x[0]; }}\n");
        for i in 1..=depth {
            let p = i - 1;
            src.push_str(&format!(
                "fn g{i}() -> f32 {{ return g{p}() + g{p}() + g{p}() + g{p}(); }}\n"
            ));
        }
        src.push_str(&format!(
            "@compute @workgroup_size(256)\nfn main() {{ y[0] = g{depth}(); }}\n"
        ));
        src
    };
    // Straight-line code inside a loop, up to the source limit.
    let long_body = |lines: usize| -> String {
        (0..lines)
            .map(|i| format!("        a = a * 1.0001 + f32({i});\n"))
            .collect()
    };
    let negations: String = (1..600)
        .map(|i| format!("const B{i} = -B{};\n", i - 1))
        .collect();
    vec![
        Row {
            name: "constant bomb: -array<f32, 1e9>()",
            puzzle: "map",
            source: map_with("const A = array<f32, 1000000000>();\nconst B = -A;"),
            expect: Expect::Refused(&["array_size"]),
        },
        Row {
            name: "constant bomb: two 1e8 arrays added",
            puzzle: "map",
            source: map_with(
                "const A = array<f32, 100000000>();\nconst B = array<f32, 100000000>();\nconst C = A + B;",
            ),
            expect: Expect::Refused(&["array_size"]),
        },
        Row {
            name: "constant bomb: nested arrays in a struct",
            puzzle: "map",
            source: map_with(
                "struct S { a: array<array<f32, 1000>, 1000> }\nconst A = array<S, 1000>();",
            ),
            expect: Expect::Refused(&["array_size"]),
        },
        Row {
            name: "constant bomb within the array bound: 600 negations",
            puzzle: "map",
            source: map_with(&format!("const B0 = array<f32, 16384>();\n{negations}")),
            expect: Expect::Ends,
        },
        Row {
            name: "call fan-out, depth 10 (4^10 calls)",
            puzzle: "sum",
            source: fan_out(10),
            expect: Expect::Refused(&["size"]),
        },
        Row {
            name: "call fan-out, depth 40 (4^40 calls)",
            puzzle: "sum",
            source: fan_out(40),
            expect: Expect::Refused(&["size", "calls"]),
        },
        Row {
            name: "straight-line body inside a loop (map, 1M invocations)",
            puzzle: "map",
            source: format!(
                "{HEADER}@compute @workgroup_size(64)\nfn main(@builtin(global_invocation_id) gid: vec3<u32>) {{\n    var a = 0.0;\n    for (var i = 0u; i < 100000u; i++) {{\n{}    }}\n    if (gid.x < p.n) {{ y[gid.x] = a; }}\n}}\n",
                long_body(400)
            ),
            expect: Expect::Refused(&["work"]),
        },
        Row {
            name: "1 GiB var<private> array",
            puzzle: "map",
            source: map_with("var<private> big: array<f32, 268435456>;"),
            expect: Expect::Refused(&["array_size"]),
        },
        Row {
            name: "16 KiB var<private> array",
            puzzle: "map",
            source: format!(
                "{HEADER}var<private> big: array<f32, 4096>;\n@compute @workgroup_size(64)\nfn main(@builtin(global_invocation_id) gid: vec3<u32>) {{ big[gid.x % 4096u] = 1.0; if (gid.x < p.n) {{ y[gid.x] = big[0]; }} }}\n"
            ),
            expect: Expect::Refused(&["memory"]),
        },
        Row {
            name: "16 KiB function-local array",
            puzzle: "map",
            source: format!(
                "{HEADER}@compute @workgroup_size(64)\nfn main(@builtin(global_invocation_id) gid: vec3<u32>) {{ var big: array<vec4f, 1024>; big[gid.x % 1024u] = vec4f(1.0); if (gid.x < p.n) {{ y[gid.x] = big[0].x; }} }}\n"
            ),
            expect: Expect::Refused(&["memory"]),
        },
        Row {
            name: "@workgroup_size(17, 15, 1) on a 1-D puzzle",
            puzzle: "map",
            source: format!("{HEADER}{}", MAP_MAIN.replace("(64)", "(17, 15, 1)")),
            expect: Expect::Refused(&["workgroup_size"]),
        },
        Row {
            name: "16 KiB of nesting",
            puzzle: "map",
            source: format!(
                "{HEADER}@compute @workgroup_size(64)\nfn main() {{\n{}{}\n}}\n",
                "{".repeat(7500),
                "}".repeat(7500)
            ),
            expect: Expect::Refused(&["nesting"]),
        },
        Row {
            name: "barrier loop of 1e8 iterations (ended by the uniform budget exit)",
            puzzle: "sum",
            source: format!(
                "{HEADER}@compute @workgroup_size(256)\nfn main(@builtin(local_invocation_index) t: u32) {{\n    var i = 0u;\n    loop {{\n        if (i >= 100000000u) {{ break; }}\n        workgroupBarrier();\n        i = i + 1u;\n    }}\n    if (t == 0u) {{ y[0] = 1.0; }}\n}}\n"
            ),
            expect: Expect::Ends,
        },
        Row {
            name: "endless loop on 1M invocations",
            puzzle: "map",
            source: format!(
                "{HEADER}@compute @workgroup_size(64)\nfn main(@builtin(global_invocation_id) gid: vec3<u32>) {{ loop {{ }} }}\n"
            ),
            expect: Expect::Refused(&["work"]),
        },
        Row {
            name: "within every static bound, too slow: stopped at the deadline",
            puzzle: "sum",
            source: slow_but_correct_sum(),
            expect: Expect::DeadlineOnSoftware,
        },
    ]
}

async fn submit(c: &reqwest::Client, s: &Server, puzzle: &str, source: &str) -> (u16, Value) {
    let resp = c
        .post(format!("{}/api/puzzles/submit", s.url))
        .header(ACCEPT, "application/json")
        .form(&[("puzzle_id", puzzle), ("source", source)])
        .send()
        .await
        .expect("the server answers");
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The field a refusal names (`{"LimitExceeded": {"field": …}}`).
fn refused_field(body: &Value) -> Option<&str> {
    body.get("LimitExceeded")?.get("field")?.as_str()
}

async fn a_normal_experiment_and_a_correct_kernel_still_run(c: &reqwest::Client, s: &Server) {
    let resp = c
        .post(format!("{}/api/experiments", s.url))
        .json(&json!({ "model": "tiny", "n": 256, "batch": 64, "device": "both", "repeats": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let body: Value = resp.json().await.unwrap();
    assert!(
        body["result"]["results"]
            .as_array()
            .is_some_and(|r| r.len() == 2),
        "both devices measured: {body}"
    );
    let (status, body) = submit(c, s, "map", &format!("{HEADER}{MAP_MAIN}")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["outcome"]["verdict"], "correct", "{body}");
}

async fn sandbox_starts(c: &reqwest::Client, s: &Server) -> (u64, f64) {
    let q: Value = c
        .get(format!("{}/api/lab/queue", s.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        q["sandbox_starts"][1].as_u64().unwrap_or(0),
        q["sandbox_start_ms"][1].as_f64().unwrap_or(0.0),
    )
}

#[tokio::test]
async fn hostile_kernels_are_refused_or_stopped_and_the_lab_keeps_working() {
    let engine = lab_engine::Engine::new(Default::default());
    if !lab_engine::testing::gpu_present_or_skip(engine.devices(None).adapters.len()) {
        return;
    }
    let software = engine.gpu_is_software(None);
    let server = Server::start();
    let c = client();
    a_normal_experiment_and_a_correct_kernel_still_run(&c, &server).await;
    let before = server.peak_rss_mib();
    let started = Instant::now();
    println!("{:<70} {:>6} {:>8}  what", "row", "status", "seconds");
    for row in rows() {
        assert!(
            row.source.len() <= 16 * 1024,
            "{}: {} bytes",
            row.name,
            row.source.len()
        );
        let (starts_before, _) = sandbox_starts(&c, &server).await;
        let t = Instant::now();
        let (status, body) = submit(&c, &server, row.puzzle, &row.source).await;
        let took = t.elapsed().as_secs_f64();
        let what = refused_field(&body)
            .map(|f| format!("refused: {f}"))
            .or_else(|| body["outcome"]["verdict"].as_str().map(str::to_string))
            .unwrap_or_else(|| body.to_string().chars().take(80).collect());
        println!("{:<70} {status:>6} {took:>8.2}  {what}", row.name);
        match row.expect {
            Expect::Refused(fields) => {
                assert_eq!(status, 422, "{}: {body}", row.name);
                let field = refused_field(&body).unwrap_or_default();
                assert!(fields.contains(&field), "{}: {body}", row.name);
                let message = body["LimitExceeded"]["message"]
                    .as_str()
                    .unwrap_or_default();
                assert!(
                    message.len() > 20,
                    "{}: a message a learner can act on",
                    row.name
                );
            }
            Expect::Ends => assert!(
                status == 200 || status == 422,
                "{}: {status} {body}",
                row.name
            ),
            Expect::DeadlineOnSoftware if software => {
                assert_eq!(status, 422, "{}: {body}", row.name);
                assert_eq!(refused_field(&body), Some("deadline"), "{body}");
            }
            Expect::DeadlineOnSoftware => assert_eq!(status, 200, "{}: {body}", row.name),
        }
        assert!(
            took < (DEADLINE_S as f64) * 3.0 + 20.0,
            "{} took {took:.1} s",
            row.name
        );
        if refused_field(&body) == Some("deadline") {
            // The runner was killed; a fresh one starts in the background.
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                let (starts, ms) = sandbox_starts(&c, &server).await;
                if starts > starts_before {
                    println!("{:<70} runner restarted in {ms:.0} ms", "");
                    break;
                }
                assert!(Instant::now() < deadline, "the runner was not replaced");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        a_normal_experiment_and_a_correct_kernel_still_run(&c, &server).await;
    }
    let after = server.peak_rss_mib();
    println!(
        "table: {:.1} s; server peak RSS {before:.0} MiB before the table, {after:.0} MiB after",
        started.elapsed().as_secs_f64()
    );
    assert!(
        after - before < 256.0,
        "the web process grew from {before:.0} to {after:.0} MiB during the table"
    );
}
