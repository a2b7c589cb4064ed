//! A learner's WGSL, checked before it reaches the device: bounded on its
//! text (size, nesting, array sizes: see [`super::lexical`]), parsed and
//! validated by naga (errors with line and column), bounded on its IR
//! (size with calls inlined, work per launch, memory, workgroup shape: see
//! [`super::bounds`]), and given a loop budget so no loop runs forever.
//!
//! On the server this runs only in the sandbox process, never in the web
//! process: naga's own work on hostile text is what the lexical bounds and
//! the sandbox's memory limit and deadline contain.

use lab_types::{CompileError, PuzzleTask};
use serde::{Deserialize, Serialize};
use wgpu::naga;

use super::{bounds, lexical, loop_bound};
pub use lab_types::loop_budget;

/// Longest accepted kernel source, in bytes.
pub const MAX_SOURCE_BYTES: usize = 16 * 1024;
/// Most invocations one workgroup may have (WebGPU's default limit).
pub const MAX_INVOCATIONS: u32 = 256;
/// The entry point every puzzle's kernel defines.
pub const ENTRY_POINT: &str = "main";

/// Why a source is refused before anything runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// Over a bound: the request's fault, answered with a 4xx.
    Limit {
        field: &'static str,
        message: String,
    },
    /// Does not compile, or lacks what the puzzle requires.
    Compile(CompileError),
}

/// How much one launch of a learner's kernel may cost on an adapter.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KernelLimits {
    /// Upper bound on invocations × operations per invocation (see [`bounds`]).
    pub work_budget: f64,
}

impl KernelLimits {
    /// A software adapter (lavapipe). Measured on the 2-core VM: a sum kernel
    /// whose bound is 1.8e10 (a 700-line FMA chain run to the loop budget by
    /// each of 256 invocations, in one workgroup, so on one lavapipe thread)
    /// took 0.97 s per launch and 6.0 s for its checks and timing. So at
    /// 4e10 the worst accepted kernel takes about 2 s a launch, and its
    /// launches about the 20 s deadline. The puzzles' own solutions bound at
    /// most 4e9 (tiled 256³), and do far less: the bound counts every loop
    /// at its full budget.
    pub const SOFTWARE: KernelLimits = KernelLimits { work_budget: 4e10 };
    /// A hardware GPU runs such work two orders of magnitude faster.
    pub const HARDWARE: KernelLimits = KernelLimits { work_budget: 4e12 };

    pub fn for_adapter(software: bool) -> Self {
        if software {
            Self::SOFTWARE
        } else {
            Self::HARDWARE
        }
    }
}

/// A kernel ready for the device.
pub struct Checked {
    pub module: naga::Module,
    pub workgroup_size: [u32; 3],
    /// Workgroups per launch, one entry per size of the task.
    pub groups: Vec<[u32; 3]>,
    pub costs: bounds::Costs,
}

fn compile_error(message: impl Into<String>) -> Refusal {
    Refusal::Compile(CompileError {
        line: None,
        column: None,
        message: message.into(),
    })
}

fn limit(field: &'static str, message: impl Into<String>) -> Refusal {
    Refusal::Limit {
        field,
        message: message.into(),
    }
}

/// Checks `task.source` against every bound and prepares it for a bounded
/// run. `task.sizes` must already be within the playground's limits.
pub fn check(task: &PuzzleTask, limits: KernelLimits) -> Result<Checked, Refusal> {
    let source = task.source.as_str();
    if source.len() > MAX_SOURCE_BYTES {
        return Err(limit(
            "source",
            format!(
                "the kernel is {} bytes; at most {MAX_SOURCE_BYTES} are accepted",
                source.len()
            ),
        ));
    }
    lexical::check(source).map_err(|r| {
        let field = if r.message.contains("nested") {
            "nesting"
        } else {
            "array_size"
        };
        limit(field, format!("line {}: {}", r.line, r.message))
    })?;
    let mut module = naga::front::wgsl::parse_str(source).map_err(|e| {
        let at = e.location(source);
        Refusal::Compile(CompileError {
            line: at.map(|l| l.line_number),
            column: at.map(|l| l.line_position),
            message: e.emit_to_string(source),
        })
    })?;
    validate(&module, source)?;

    let entry = module
        .entry_points
        .iter()
        .find(|e| e.name == ENTRY_POINT && e.stage == naga::ShaderStage::Compute)
        .ok_or_else(|| {
            compile_error(format!(
                "the kernel needs a compute entry point named `{ENTRY_POINT}` (`@compute @workgroup_size(…) fn {ENTRY_POINT}(…)`)"
            ))
        })?;
    if entry.workgroup_size_overrides.is_some() {
        return Err(compile_error(
            "the workgroup size must be a constant, not an override",
        ));
    }
    let workgroup_size = entry.workgroup_size;
    let invocations = workgroup_size
        .iter()
        .try_fold(1u32, |acc, &d| acc.checked_mul(d))
        .unwrap_or(u32::MAX);
    if invocations > MAX_INVOCATIONS {
        return Err(limit(
            "workgroup_size",
            format!(
                "@workgroup_size({}, {}, {}) has {invocations} invocations; at most {MAX_INVOCATIONS} are allowed",
                workgroup_size[0], workgroup_size[1], workgroup_size[2]
            ),
        ));
    }
    if task.needs_workgroup_memory
        && !module
            .global_variables
            .iter()
            .any(|(_, g)| g.space == naga::AddressSpace::WorkGroup)
    {
        return Err(compile_error(
            "this puzzle is about shared memory: declare a `var<workgroup>` tile and stage the inputs in it",
        ));
    }
    let groups = task
        .sizes
        .iter()
        .map(|&s| super::dispatch(task.reference, s, workgroup_size))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| match e {
            crate::EngineError::LimitExceeded { field, message } => limit(field, message),
            other => limit("dispatch", other.to_string()),
        })?;
    let launched = groups
        .iter()
        .map(|g| g.iter().map(|&d| u64::from(d)).product::<u64>() * u64::from(invocations))
        .max()
        .unwrap_or(0);
    let budget = lab_types::loop_budget(&task.sizes);
    let costs = bounds::check(
        &module,
        entry,
        task.reference.dispatch(),
        budget,
        launched,
        limits.work_budget,
    )
    .map_err(|r| limit(r.field, r.message))?;

    loop_bound::insert(&mut module, budget);
    // The rewrite must still be a valid module; if not, that is our bug.
    validate(&module, source).map_err(|e| {
        tracing::error!(?e, "a loop-bounded module failed validation");
        compile_error("the kernel could not be prepared for a bounded run")
    })?;
    Ok(Checked {
        module,
        workgroup_size,
        groups,
        costs,
    })
}

fn validate(module: &naga::Module, source: &str) -> Result<naga::valid::ModuleInfo, Refusal> {
    naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::empty(),
    )
    .validate(module)
    .map_err(|e| {
        let at = e.location(source);
        Refusal::Compile(CompileError {
            line: at.map(|l| l.line_number),
            column: at.map(|l| l.line_position),
            message: e.emit_to_string(source),
        })
    })
}

/// Checks `source` as a map puzzle of 1,000 elements on a software GPU.
#[cfg(test)]
fn check_src(source: &str, needs_workgroup_memory: bool) -> Result<Checked, Refusal> {
    use lab_types::{PuzzleReference, PuzzleSize};
    let task = PuzzleTask {
        reference: PuzzleReference::Map,
        sizes: vec![PuzzleSize {
            m: 1,
            k: 1,
            n: 1000,
        }],
        needs_workgroup_memory,
        source: source.to_string(),
    };
    check(&task, KernelLimits::SOFTWARE)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = "@group(0) @binding(3) var<storage, read_write> y: array<f32>;\n\
        @compute @workgroup_size(64)\n\
        fn main(@builtin(global_invocation_id) g: vec3<u32>) { y[g.x] = 1.0; }\n";

    #[test]
    fn a_valid_kernel_is_accepted_with_its_workgroup_size() {
        let c = check_src(OK, false).unwrap();
        assert_eq!(c.workgroup_size, [64, 1, 1]);
    }

    #[test]
    fn a_syntax_error_has_line_and_column() {
        let src = "@compute @workgroup_size(1)\nfn main() {\n  let x = ;\n}\n";
        let Err(Refusal::Compile(e)) = check_src(src, false) else {
            panic!("expected a compile error")
        };
        assert_eq!(e.line, Some(3));
        assert!(e.column.is_some());
        assert!(!e.message.is_empty());
    }

    #[test]
    fn a_type_error_has_a_line() {
        let src = "@compute @workgroup_size(1)\nfn main() {\n  var x: u32 = 1.5;\n}\n";
        let Err(Refusal::Compile(e)) = check_src(src, false) else {
            panic!("expected a compile error")
        };
        assert_eq!(e.line, Some(3), "{e:?}");
    }

    #[test]
    fn bounds_are_refused() {
        let big = format!("{OK}{}", "//".repeat(MAX_SOURCE_BYTES));
        assert!(matches!(
            check_src(&big, false),
            Err(Refusal::Limit {
                field: "source",
                ..
            })
        ));
        let wide = OK.replace("workgroup_size(64)", "workgroup_size(16, 32)");
        assert!(matches!(
            check_src(&wide, false),
            Err(Refusal::Limit {
                field: "workgroup_size",
                ..
            })
        ));
    }

    #[test]
    fn the_tiled_puzzle_needs_workgroup_memory() {
        assert!(matches!(check_src(OK, true), Err(Refusal::Compile(_))));
    }

    #[test]
    fn the_entry_point_must_be_main() {
        let src = OK.replace("fn main", "fn other");
        assert!(matches!(check_src(&src, false), Err(Refusal::Compile(_))));
    }
}

#[cfg(test)]
mod hostile {
    use super::*;

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let depth = 7000;
        let src = format!(
            "@compute @workgroup_size(1)\nfn main() {{\n  let x = {}1.0{};\n}}\n",
            "(".repeat(depth),
            ")".repeat(depth)
        );
        assert!(src.len() <= MAX_SOURCE_BYTES);
        assert!(check_src(&src, false).is_err());
        let blocks = format!(
            "@compute @workgroup_size(1)\nfn main() {{\n{}{}\n}}\n",
            "{".repeat(5000),
            "}".repeat(5000)
        );
        assert!(check_src(&blocks, false).is_err());
        for chain in ["-", "!", "~"] {
            let unary = format!(
                "@compute @workgroup_size(1)\nfn main() {{\n  let x = {}1;\n}}\n",
                chain.repeat(7000)
            );
            // Deep, but either refused or accepted: never a stack overflow.
            let _ = check_src(&unary, false);
        }
    }
}
