//! Static bounds on a validated module, before anything reaches a driver.
//!
//! naga has accepted the kernel; these say whether it may run here:
//! - **size**: at most [`MAX_FUNCTIONS`] functions, [`MAX_EXPRESSIONS`]
//!   expressions and a call depth of [`MAX_CALL_DEPTH`]; and the module with
//!   every call inlined (what Mesa and most drivers compile) at most
//!   [`MAX_INLINED`] statements and expressions. A helper that calls the
//!   previous one four times, 40 deep, is 4^40 calls and never compiles.
//! - **work**: an upper bound on what one invocation can execute. Every loop
//!   iteration of an invocation draws on one shared budget (see
//!   [`super::loop_bound`]), so an invocation executes its straight-line code
//!   once (`inlined(entry)`) plus at most `budget + 1` loop iterations, each
//!   no larger than the largest loop body (inlined). Times the invocations of
//!   a launch, that is refused above the adapter's budget.
//! - **memory**: private plus function-local memory at most [`MAX_PRIVATE_BYTES`]
//!   per invocation (WGSL's informative limit: drivers spill more to slow
//!   memory, and a 1 GiB private array is 1 GiB per invocation), workgroup
//!   memory at most [`MAX_WORKGROUP_BYTES`] (WebGPU's default limit).
//! - **shape**: a one-dimensional puzzle launches workgroups along x only, so
//!   its workgroup must be `(x, 1, 1)`; a matrix puzzle's `(x, y, 1)`.

use std::collections::HashMap;

use lab_types::Dispatch;
use wgpu::naga::{AddressSpace, Block, EntryPoint, Function, Handle, Module, Statement};

pub const MAX_FUNCTIONS: usize = 64;
pub const MAX_EXPRESSIONS: usize = 32_768;
pub const MAX_CALL_DEPTH: usize = 16;
pub const MAX_INLINED: u64 = 200_000;
pub const MAX_PRIVATE_BYTES: u64 = 8 * 1024;
pub const MAX_WORKGROUP_BYTES: u64 = 16 * 1024;

/// A bound the module breaks: which one (the field of the 422) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundRefusal {
    pub field: &'static str,
    pub message: String,
}

fn refuse(field: &'static str, message: String) -> BoundRefusal {
    BoundRefusal { field, message }
}

/// What the analysis found (for messages and the tests).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Costs {
    /// Statements and expressions with every call inlined.
    pub inlined: u64,
    /// The most one invocation can execute (same unit).
    pub per_invocation: u64,
    /// Private + function-local bytes of one invocation.
    pub private_bytes: u64,
    pub workgroup_bytes: u64,
}

/// Per function: inlined size, largest loop body (inlined), local bytes
/// along the deepest call chain, call depth.
#[derive(Debug, Clone, Copy, Default)]
struct FnCost {
    inlined: u64,
    largest_loop: u64,
    local_bytes: u64,
    depth: usize,
}

/// Checks the module's entry point against every bound: `loop_budget` is
/// the per-invocation iteration budget written into it, `invocations` how
/// many invocations the largest launch runs, `work_budget` the adapter's
/// bound on `invocations × per-invocation work`.
pub fn check(
    module: &Module,
    entry: &EntryPoint,
    dispatch: Dispatch,
    loop_budget: u32,
    invocations: u64,
    work_budget: f64,
) -> Result<Costs, BoundRefusal> {
    check_shape(entry.workgroup_size, dispatch)?;
    if module.functions.len() > MAX_FUNCTIONS {
        return Err(refuse(
            "functions",
            format!(
                "the kernel has {} functions; at most {MAX_FUNCTIONS} are allowed",
                module.functions.len()
            ),
        ));
    }
    let expressions: usize = module
        .functions
        .iter()
        .map(|(_, f)| f.expressions.len())
        .chain(
            module
                .entry_points
                .iter()
                .map(|e| e.function.expressions.len()),
        )
        .sum::<usize>()
        + module.global_expressions.len();
    if expressions > MAX_EXPRESSIONS {
        return Err(refuse(
            "expressions",
            format!(
                "the kernel has {expressions} expressions; at most {MAX_EXPRESSIONS} are allowed"
            ),
        ));
    }

    let mut costs = Costs {
        inlined: 0,
        per_invocation: 0,
        private_bytes: 0,
        workgroup_bytes: 0,
    };
    let mut memo = HashMap::new();
    let main = function_cost(module, &entry.function, &mut memo, 0)?;
    costs.inlined = main.inlined;
    if main.inlined > MAX_INLINED {
        return Err(refuse(
            "size",
            format!(
                "with its function calls written out, the kernel is about {} statements and \
                 expressions; at most {MAX_INLINED} are allowed (drivers inline every call: call \
                 helpers fewer times, or loop instead)",
                shown(main.inlined)
            ),
        ));
    }

    let gctx = module.to_ctx();
    let mut private = 0u64;
    let mut workgroup = 0u64;
    for (_, g) in module.global_variables.iter() {
        let size = module.types[g.ty]
            .inner
            .try_size(gctx)
            .map(u64::from)
            .unwrap_or(u64::MAX);
        match g.space {
            AddressSpace::Private => private = private.saturating_add(size),
            AddressSpace::WorkGroup => workgroup = workgroup.saturating_add(size),
            _ => {}
        }
    }
    costs.private_bytes = private.saturating_add(main.local_bytes);
    costs.workgroup_bytes = workgroup;
    if costs.private_bytes > MAX_PRIVATE_BYTES {
        return Err(refuse(
            "memory",
            format!(
                "one invocation uses {} bytes of private and function variables; at most \
                 {MAX_PRIVATE_BYTES} are allowed (use workgroup or storage memory for large arrays)",
                shown(costs.private_bytes)
            ),
        ));
    }
    if workgroup > MAX_WORKGROUP_BYTES {
        return Err(refuse(
            "memory",
            format!(
                "the workgroup variables take {} bytes; at most {MAX_WORKGROUP_BYTES} are allowed",
                shown(workgroup)
            ),
        ));
    }

    costs.per_invocation = main
        .inlined
        .saturating_add((u64::from(loop_budget) + 1).saturating_mul(main.largest_loop));
    let work = costs.per_invocation as f64 * invocations as f64;
    if work > work_budget {
        return Err(refuse(
            "work",
            format!(
                "at the largest size this kernel could execute up to {work:.1e} operations \
                 ({invocations} invocations, each up to {} loop iterations of a body of about {} \
                 operations); this GPU allows {work_budget:.1e} per launch: make the loop bodies \
                 smaller or the loops fewer",
                u64::from(loop_budget) + 1,
                shown(main.largest_loop)
            ),
        ));
    }
    Ok(costs)
}

fn shown(n: u64) -> String {
    if n == u64::MAX {
        "more than 10^19".into()
    } else {
        n.to_string()
    }
}

fn check_shape(size: [u32; 3], dispatch: Dispatch) -> Result<(), BoundRefusal> {
    let [x, y, z] = size;
    match dispatch {
        Dispatch::Elements | Dispatch::OneWorkgroup if y != 1 || z != 1 => Err(refuse(
            "workgroup_size",
            format!(
                "@workgroup_size({x}, {y}, {z}): this puzzle is one-dimensional and launches \
                 workgroups along x only, so y and z must be 1 (write @workgroup_size({x}))"
            ),
        )),
        Dispatch::Matrix if z != 1 => Err(refuse(
            "workgroup_size",
            format!(
                "@workgroup_size({x}, {y}, {z}): this puzzle launches a two-dimensional grid, so \
                 z must be 1"
            ),
        )),
        _ => Ok(()),
    }
}

fn function_cost(
    module: &Module,
    f: &Function,
    memo: &mut HashMap<Handle<Function>, FnCost>,
    depth: usize,
) -> Result<FnCost, BoundRefusal> {
    if depth > MAX_CALL_DEPTH {
        return Err(refuse(
            "calls",
            format!("functions call each other more than {MAX_CALL_DEPTH} deep"),
        ));
    }
    let gctx = module.to_ctx();
    let locals = f
        .local_variables
        .iter()
        .map(|(_, v)| {
            module.types[v.ty]
                .inner
                .try_size(gctx)
                .map(u64::from)
                .unwrap_or(u64::MAX)
        })
        .fold(0u64, u64::saturating_add);
    let mut walk = Walk {
        module,
        memo,
        depth,
        callee_locals: 0,
        callee_depth: 0,
        largest_loop: 0,
    };
    let inlined = walk.block(&f.body)?;
    Ok(FnCost {
        inlined,
        largest_loop: walk.largest_loop,
        local_bytes: locals.saturating_add(walk.callee_locals),
        depth: walk.callee_depth + 1,
    })
}

struct Walk<'m, 'c> {
    module: &'m Module,
    memo: &'c mut HashMap<Handle<Function>, FnCost>,
    depth: usize,
    callee_locals: u64,
    callee_depth: usize,
    largest_loop: u64,
}

impl Walk<'_, '_> {
    /// The inlined size of a block; records loops and callees on the way.
    fn block(&mut self, block: &Block) -> Result<u64, BoundRefusal> {
        let mut total = 0u64;
        for statement in block.iter() {
            let own = match statement {
                Statement::Emit(range) => range.clone().count() as u64,
                Statement::Block(b) => self.block(b)?,
                Statement::If { accept, reject, .. } => 1u64
                    .saturating_add(self.block(accept)?)
                    .saturating_add(self.block(reject)?),
                Statement::Switch { cases, .. } => {
                    let mut sum = 1u64;
                    for case in cases {
                        sum = sum.saturating_add(self.block(&case.body)?);
                    }
                    sum
                }
                Statement::Loop {
                    body, continuing, ..
                } => {
                    let once = self.block(body)?.saturating_add(self.block(continuing)?);
                    // The guard the loop budget adds to every iteration.
                    let iteration = once.saturating_add(8);
                    self.largest_loop = self.largest_loop.max(iteration);
                    1u64.saturating_add(iteration)
                }
                Statement::Call { function, .. } => {
                    let callee = self.callee(*function)?;
                    self.largest_loop = self.largest_loop.max(callee.largest_loop);
                    self.callee_locals = self.callee_locals.max(callee.local_bytes);
                    self.callee_depth = self.callee_depth.max(callee.depth);
                    1u64.saturating_add(callee.inlined)
                }
                _ => 1,
            };
            total = total.saturating_add(own);
        }
        Ok(total)
    }

    fn callee(&mut self, h: Handle<Function>) -> Result<FnCost, BoundRefusal> {
        if let Some(c) = self.memo.get(&h) {
            if self.depth + c.depth > MAX_CALL_DEPTH {
                return Err(refuse(
                    "calls",
                    format!("functions call each other more than {MAX_CALL_DEPTH} deep"),
                ));
            }
            return Ok(*c);
        }
        let cost = function_cost(
            self.module,
            &self.module.functions[h],
            self.memo,
            self.depth + 1,
        )?;
        self.memo.insert(h, cost);
        Ok(cost)
    }
}

/// Whether running `f` can reach a barrier (including `workgroupUniformLoad`).
pub fn has_barrier(
    module: &Module,
    block: &Block,
    memo: &mut HashMap<Handle<Function>, bool>,
) -> bool {
    block.iter().any(|s| match s {
        Statement::ControlBarrier(_)
        | Statement::MemoryBarrier(_)
        | Statement::WorkGroupUniformLoad { .. } => true,
        Statement::Block(b) => has_barrier(module, b, memo),
        Statement::If { accept, reject, .. } => {
            has_barrier(module, accept, memo) || has_barrier(module, reject, memo)
        }
        Statement::Switch { cases, .. } => cases.iter().any(|c| has_barrier(module, &c.body, memo)),
        Statement::Loop {
            body, continuing, ..
        } => has_barrier(module, body, memo) || has_barrier(module, continuing, memo),
        Statement::Call { function, .. } => {
            if let Some(&b) = memo.get(function) {
                return b;
            }
            let b = has_barrier(module, &module.functions[*function].body, memo);
            memo.insert(*function, b);
            b
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wgpu::naga;

    const BINDINGS: &str = "@group(0) @binding(0) var<storage, read> x: array<f32>;\n\
        @group(0) @binding(3) var<storage, read_write> y: array<f32>;\n";

    fn module(body: &str) -> Module {
        let src = format!("{BINDINGS}{body}");
        naga::front::wgsl::parse_str(&src).unwrap_or_else(|e| panic!("{}", e.emit_to_string(&src)))
    }

    fn run(body: &str, dispatch: Dispatch, invocations: u64) -> Result<Costs, BoundRefusal> {
        let m = module(body);
        let entry = m.entry_points.iter().find(|e| e.name == "main").unwrap();
        check(&m, entry, dispatch, 32_768, invocations, 1e11)
    }

    const MAP: &str = "@compute @workgroup_size(64)\n\
        fn main(@builtin(global_invocation_id) g: vec3<u32>) { y[g.x] = 2.0 * x[g.x] + 1.0; }\n";

    #[test]
    fn a_plain_kernel_costs_little() {
        let c = run(MAP, Dispatch::Elements, 1 << 20).unwrap();
        assert!(c.inlined < 30, "{c:?}");
        assert_eq!(c.per_invocation, c.inlined, "no loops: straight-line only");
        assert_eq!(c.private_bytes, 0);
    }

    #[test]
    fn call_fan_out_is_counted_as_inlined() {
        // f0 is one statement; each f(i) calls f(i-1) four times: 4^depth.
        let mut src = String::from("fn f0() -> f32 { return x[0]; }\n");
        for i in 1..=12 {
            let p = i - 1;
            src.push_str(&format!(
                "fn f{i}() -> f32 {{ return f{p}() + f{p}() + f{p}() + f{p}(); }}\n"
            ));
        }
        src.push_str("@compute @workgroup_size(1)\nfn main() { y[0] = f12(); }\n");
        let r = run(&src, Dispatch::OneWorkgroup, 1).unwrap_err();
        assert_eq!(r.field, "size", "{r:?}");
    }

    #[test]
    fn a_large_body_in_a_loop_is_too_much_work() {
        let body: String = (0..400)
            .map(|i| format!("a = a * 1.0001 + f32({i});\n"))
            .collect();
        let src = format!(
            "@compute @workgroup_size(64)\nfn main(@builtin(global_invocation_id) g: vec3<u32>) {{\n\
             var a = 0.0;\nfor (var i = 0u; i < 100000u; i++) {{\n{body}}}\ny[g.x] = a;\n}}\n"
        );
        let r = run(&src, Dispatch::Elements, 1 << 20).unwrap_err();
        assert_eq!(r.field, "work", "{r:?}");
        // The same kernel on a single invocation is fine.
        assert!(run(&src, Dispatch::Elements, 1).is_ok());
    }

    #[test]
    fn private_and_function_memory_is_bounded() {
        for src in [
            "var<private> big: array<f32, 4096>;\n@compute @workgroup_size(1)\nfn main() { big[0] = 1.0; y[0] = big[0]; }\n",
            "@compute @workgroup_size(1)\nfn main() { var big: array<f32, 4096>; big[1] = 1.0; y[0] = big[1]; }\n",
            "fn helper() -> f32 { var big: array<f32, 3000>; big[2] = 2.0; return big[2]; }\n\
             @compute @workgroup_size(1)\nfn main() { var a: array<f32, 1000>; a[0] = helper(); y[0] = a[0]; }\n",
        ] {
            let r = run(src, Dispatch::OneWorkgroup, 1).unwrap_err();
            assert_eq!(r.field, "memory", "{src}: {r:?}");
        }
        let ok = "@compute @workgroup_size(1)\nfn main() { var a: array<f32, 512>; a[0] = 1.0; y[0] = a[0]; }\n";
        assert_eq!(
            run(ok, Dispatch::OneWorkgroup, 1).unwrap().private_bytes,
            2048
        );
    }

    #[test]
    fn workgroup_memory_is_bounded() {
        let src = "var<workgroup> t: array<f32, 8192>;\n@compute @workgroup_size(1)\nfn main() { t[0] = 1.0; y[0] = t[0]; }\n";
        assert_eq!(
            run(src, Dispatch::OneWorkgroup, 1).unwrap_err().field,
            "memory"
        );
    }

    #[test]
    fn one_dimensional_puzzles_take_x_only() {
        let src = MAP.replace("workgroup_size(64)", "workgroup_size(17, 15, 1)");
        let r = run(&src, Dispatch::Elements, 1 << 20).unwrap_err();
        assert_eq!(r.field, "workgroup_size");
        assert!(r.message.contains("@workgroup_size(17)"), "{r:?}");
        let src = MAP.replace("workgroup_size(64)", "workgroup_size(8, 8, 2)");
        assert_eq!(
            run(&src, Dispatch::Matrix, 1).unwrap_err().field,
            "workgroup_size"
        );
        let src = MAP.replace("workgroup_size(64)", "workgroup_size(8, 8)");
        assert!(run(&src, Dispatch::Matrix, 1).is_ok());
    }

    #[test]
    fn barriers_are_found_through_calls() {
        let m = module(
            "var<workgroup> t: array<f32, 4>;\nfn sync() { workgroupBarrier(); }\n\
             @compute @workgroup_size(4)\nfn main() { sync(); y[0] = t[0]; }\n",
        );
        let entry = &m.entry_points[0];
        assert!(has_barrier(&m, &entry.function.body, &mut HashMap::new()));
        let m = module(MAP);
        assert!(!has_barrier(
            &m,
            &m.entry_points[0].function.body,
            &mut HashMap::new()
        ));
    }
}
