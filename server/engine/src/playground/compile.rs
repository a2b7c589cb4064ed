//! A learner's WGSL, checked before it reaches the device: parsed and
//! validated by naga (errors with line and column), bounded (source size,
//! workgroup size), and given a loop counter so no loop runs forever.

use lab_types::CompileError;
use wgpu::naga;

use super::loop_bound;

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

/// A kernel ready for the device.
pub struct Checked {
    pub module: naga::Module,
    pub workgroup_size: [u32; 3],
}

fn compile_error(message: impl Into<String>) -> Refusal {
    Refusal::Compile(CompileError {
        line: None,
        column: None,
        message: message.into(),
    })
}

/// Parses, validates and bounds `source`; `needs_workgroup_memory`: the
/// puzzle is about shared memory, so a kernel without any is not a solution.
pub fn check(source: &str, needs_workgroup_memory: bool) -> Result<Checked, Refusal> {
    if source.len() > MAX_SOURCE_BYTES {
        return Err(Refusal::Limit {
            field: "source",
            message: format!(
                "the kernel is {} bytes; at most {MAX_SOURCE_BYTES} are accepted",
                source.len()
            ),
        });
    }
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
        return Err(Refusal::Limit {
            field: "workgroup_size",
            message: format!(
                "@workgroup_size({}, {}, {}) has {invocations} invocations; at most {MAX_INVOCATIONS} are allowed",
                workgroup_size[0], workgroup_size[1], workgroup_size[2]
            ),
        });
    }
    if needs_workgroup_memory
        && !module
            .global_variables
            .iter()
            .any(|(_, g)| g.space == naga::AddressSpace::WorkGroup)
    {
        return Err(compile_error(
            "this puzzle is about shared memory: declare a `var<workgroup>` tile and stage the inputs in it",
        ));
    }

    loop_bound::insert(&mut module);
    // The rewrite must still be a valid module; if not, that is our bug.
    validate(&module, source)
        .map_err(|_| compile_error("the kernel could not be prepared for a bounded run"))?;
    Ok(Checked {
        module,
        workgroup_size,
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

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = "@group(0) @binding(3) var<storage, read_write> y: array<f32>;\n\
        @compute @workgroup_size(64)\n\
        fn main(@builtin(global_invocation_id) g: vec3<u32>) { y[g.x] = 1.0; }\n";

    #[test]
    fn a_valid_kernel_is_accepted_with_its_workgroup_size() {
        let c = check(OK, false).unwrap();
        assert_eq!(c.workgroup_size, [64, 1, 1]);
    }

    #[test]
    fn a_syntax_error_has_line_and_column() {
        let src = "@compute @workgroup_size(1)\nfn main() {\n  let x = ;\n}\n";
        let Err(Refusal::Compile(e)) = check(src, false) else {
            panic!("expected a compile error")
        };
        assert_eq!(e.line, Some(3));
        assert!(e.column.is_some());
        assert!(!e.message.is_empty());
    }

    #[test]
    fn a_type_error_has_a_line() {
        let src = "@compute @workgroup_size(1)\nfn main() {\n  var x: u32 = 1.5;\n}\n";
        let Err(Refusal::Compile(e)) = check(src, false) else {
            panic!("expected a compile error")
        };
        assert_eq!(e.line, Some(3), "{e:?}");
    }

    #[test]
    fn bounds_are_refused() {
        let big = format!("{OK}{}", "//".repeat(MAX_SOURCE_BYTES));
        assert!(matches!(
            check(&big, false),
            Err(Refusal::Limit {
                field: "source",
                ..
            })
        ));
        let wide = OK.replace("workgroup_size(64)", "workgroup_size(16, 32)");
        assert!(matches!(
            check(&wide, false),
            Err(Refusal::Limit {
                field: "workgroup_size",
                ..
            })
        ));
    }

    #[test]
    fn the_tiled_puzzle_needs_workgroup_memory() {
        assert!(matches!(check(OK, true), Err(Refusal::Compile(_))));
    }

    #[test]
    fn the_entry_point_must_be_main() {
        let src = OK.replace("fn main", "fn other");
        assert!(matches!(check(&src, false), Err(Refusal::Compile(_))));
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
        assert!(check(&src, false).is_err());
        let blocks = format!(
            "@compute @workgroup_size(1)\nfn main() {{\n{}{}\n}}\n",
            "{".repeat(5000),
            "}".repeat(5000)
        );
        assert!(check(&blocks, false).is_err());
        for chain in ["-", "!", "~"] {
            let unary = format!(
                "@compute @workgroup_size(1)\nfn main() {{\n  let x = {}1;\n}}\n",
                chain.repeat(7000)
            );
            // Deep, but either refused or accepted: never a stack overflow.
            let _ = check(&unary, false);
        }
    }
}
