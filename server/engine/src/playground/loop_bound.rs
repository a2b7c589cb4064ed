//! A per-invocation loop budget, written into a learner's module.
//!
//! wgpu's own loop bounding only stops compilers from assuming that a loop
//! ends (its counter allows 2^64 iterations): it does not stop `loop {}` from
//! running until the GPU timeout, and a software GPU has no watchdog at all.
//! So every loop here starts with a guard on `budget`, one private
//! (per-invocation) counter shared by all loops: an invocation runs at most
//! `budget` loop iterations in all, and a runaway kernel simply gives wrong
//! output.
//!
//! A loop that reaches a barrier (`workgroupBarrier`, `storageBarrier`,
//! `workgroupUniformLoad`, also through a call) must be left by every
//! invocation of the workgroup at the same iteration: if some invocations
//! broke out and others waited at the barrier, behaviour would be undefined
//! (and a GPU may hang). Invocations spend their budgets differently, so such
//! a loop does not break on the private counter. An invocation whose budget
//! is spent raises a workgroup flag instead, and the loop breaks on the flag
//! read with `workgroupUniformLoad`, which every invocation sees alike:
//!
//! ```wgsl
//! // any loop                      // a loop that reaches a barrier
//! if budget >= MAX { break; }      if budget >= MAX { spent = 1u; }
//! budget = budget + 1u;            budget = budget + 1u;
//!                                  if workgroupUniformLoad(&spent) != 0u { break; }
//! ```
//!
//! The barrier loop already runs in uniform control flow (WGSL requires it
//! for its barriers), so the added `workgroupUniformLoad` is uniform too.

use std::collections::HashMap;

use wgpu::naga::{
    AddressSpace, Arena, BinaryOperator, Block, Expression, Function, GlobalVariable, Handle,
    Literal, Module, Range, Scalar, Span, Statement, Type, TypeInner,
};

use super::bounds::has_barrier;

pub use lab_types::MAX_LOOP_ITERATIONS;

/// The globals the guards use.
#[derive(Clone, Copy)]
struct Guards {
    u32_ty: Handle<Type>,
    budget: Handle<GlobalVariable>,
    /// Only when some loop reaches a barrier.
    spent: Option<Handle<GlobalVariable>>,
    limit: u32,
}

/// Writes the guards into every loop; `limit` is the per-invocation budget.
pub fn insert(module: &mut Module, limit: u32) {
    let u32_ty = module.types.insert(
        Type {
            name: None,
            inner: TypeInner::Scalar(Scalar::U32),
        },
        Span::UNDEFINED,
    );
    let zero = module
        .global_expressions
        .append(Expression::Literal(Literal::U32(0)), Span::UNDEFINED);
    let budget = module.global_variables.append(
        GlobalVariable {
            name: Some("lab_loop_budget".into()),
            space: AddressSpace::Private,
            binding: None,
            ty: u32_ty,
            init: Some(zero),
        },
        Span::UNDEFINED,
    );

    // Which loops reach a barrier, decided on the module as the learner wrote it.
    let mut memo = HashMap::new();
    let bodies = module
        .functions
        .iter()
        .map(|(_, f)| &f.body)
        .chain(module.entry_points.iter().map(|e| &e.function.body));
    let barrier_loops: Vec<Vec<bool>> = bodies
        .map(|body| loops_with_barriers(module, body, &mut memo))
        .collect();
    // Workgroup memory is zeroed at the start of every dispatch (wgpu's
    // default, which the playground never turns off).
    let spent = barrier_loops.iter().flatten().any(|&b| b).then(|| {
        module.global_variables.append(
            GlobalVariable {
                name: Some("lab_loop_spent".into()),
                space: AddressSpace::WorkGroup,
                binding: None,
                ty: u32_ty,
                init: None,
            },
            Span::UNDEFINED,
        )
    });
    let guards = Guards {
        u32_ty,
        budget,
        spent,
        limit,
    };

    let mut flags = barrier_loops.into_iter();
    for (_, f) in module.functions.iter_mut() {
        bound_function(f, guards, flags.next().unwrap_or_default());
    }
    for e in module.entry_points.iter_mut() {
        bound_function(&mut e.function, guards, flags.next().unwrap_or_default());
    }
}

/// For each loop of `block`, in the order `bound_block` visits them (outer
/// before inner): whether it reaches a barrier.
fn loops_with_barriers(
    module: &Module,
    block: &Block,
    memo: &mut HashMap<Handle<Function>, bool>,
) -> Vec<bool> {
    let mut out = Vec::new();
    visit_loops(block, &mut |body, continuing| {
        out.push(has_barrier(module, body, memo) || has_barrier(module, continuing, memo));
    });
    out
}

fn visit_loops(block: &Block, f: &mut impl FnMut(&Block, &Block)) {
    for statement in block.iter() {
        match statement {
            Statement::Loop {
                body, continuing, ..
            } => {
                f(body, continuing);
                visit_loops(body, f);
                visit_loops(continuing, f);
            }
            Statement::If { accept, reject, .. } => {
                visit_loops(accept, f);
                visit_loops(reject, f);
            }
            Statement::Switch { cases, .. } => {
                for case in cases {
                    visit_loops(&case.body, f);
                }
            }
            Statement::Block(inner) => visit_loops(inner, f),
            _ => {}
        }
    }
}

fn bound_function(f: &mut Function, guards: Guards, barrier_loops: Vec<bool>) {
    let mut body = std::mem::take(&mut f.body);
    let mut flags = barrier_loops.into_iter();
    bound_block(&mut body, &mut f.expressions, guards, &mut flags);
    f.body = body;
}

fn bound_block(
    block: &mut Block,
    exprs: &mut Arena<Expression>,
    guards: Guards,
    flags: &mut impl Iterator<Item = bool>,
) {
    for (statement, _) in block.span_iter_mut() {
        match statement {
            Statement::Loop {
                body, continuing, ..
            } => {
                let uniform = flags.next().unwrap_or(false);
                bound_block(body, exprs, guards, flags);
                bound_block(continuing, exprs, guards, flags);
                let mut guarded = match guards.spent {
                    Some(spent) if uniform => uniform_guard(exprs, guards, spent),
                    _ => guard(exprs, guards),
                };
                guarded.append(body);
                *body = guarded;
            }
            Statement::If { accept, reject, .. } => {
                bound_block(accept, exprs, guards, flags);
                bound_block(reject, exprs, guards, flags);
            }
            Statement::Switch { cases, .. } => {
                for case in cases.iter_mut() {
                    bound_block(&mut case.body, exprs, guards, flags);
                }
            }
            Statement::Block(inner) => bound_block(inner, exprs, guards, flags),
            _ => {}
        }
    }
}

/// The budget's `used`, `used >= limit` and `used + 1`, emitted together.
struct Spend {
    pointer: Handle<Expression>,
    spent: Handle<Expression>,
    next: Handle<Expression>,
    emit: Statement,
}

fn spend(exprs: &mut Arena<Expression>, guards: Guards) -> Spend {
    let at = Span::UNDEFINED;
    let pointer = exprs.append(Expression::GlobalVariable(guards.budget), at);
    let limit = exprs.append(Expression::Literal(Literal::U32(guards.limit)), at);
    let one = exprs.append(Expression::Literal(Literal::U32(1)), at);
    let used = exprs.append(Expression::Load { pointer }, at);
    let spent = exprs.append(
        Expression::Binary {
            op: BinaryOperator::GreaterEqual,
            left: used,
            right: limit,
        },
        at,
    );
    let next = exprs.append(
        Expression::Binary {
            op: BinaryOperator::Add,
            left: used,
            right: one,
        },
        at,
    );
    Spend {
        pointer,
        spent,
        next,
        emit: Statement::Emit(Range::new_from_bounds(used, next)),
    }
}

fn if_then(condition: Handle<Expression>, then: Statement) -> Statement {
    let mut accept = Block::new();
    accept.push(then, Span::UNDEFINED);
    Statement::If {
        condition,
        accept,
        reject: Block::new(),
    }
}

/// `if budget >= MAX { break; } budget = budget + 1;`
fn guard(exprs: &mut Arena<Expression>, guards: Guards) -> Block {
    let s = spend(exprs, guards);
    let mut block = Block::new();
    block.push(s.emit, Span::UNDEFINED);
    block.push(if_then(s.spent, Statement::Break), Span::UNDEFINED);
    block.push(
        Statement::Store {
            pointer: s.pointer,
            value: s.next,
        },
        Span::UNDEFINED,
    );
    block
}

/// `if budget >= MAX { spent = 1u; } budget = budget + 1u;
///  if workgroupUniformLoad(&spent) != 0u { break; }`
fn uniform_guard(
    exprs: &mut Arena<Expression>,
    guards: Guards,
    spent_flag: Handle<GlobalVariable>,
) -> Block {
    let at = Span::UNDEFINED;
    let s = spend(exprs, guards);
    let flag = exprs.append(Expression::GlobalVariable(spent_flag), at);
    let one = exprs.append(Expression::Literal(Literal::U32(1)), at);
    let zero = exprs.append(Expression::Literal(Literal::U32(0)), at);
    let loaded = exprs.append(
        Expression::WorkGroupUniformLoadResult { ty: guards.u32_ty },
        at,
    );
    let raised = exprs.append(
        Expression::Binary {
            op: BinaryOperator::NotEqual,
            left: loaded,
            right: zero,
        },
        at,
    );
    let mut block = Block::new();
    block.push(s.emit, at);
    block.push(
        if_then(
            s.spent,
            Statement::Store {
                pointer: flag,
                value: one,
            },
        ),
        at,
    );
    block.push(
        Statement::Store {
            pointer: s.pointer,
            value: s.next,
        },
        at,
    );
    block.push(
        Statement::WorkGroupUniformLoad {
            pointer: flag,
            result: loaded,
        },
        at,
    );
    block.push(Statement::Emit(Range::new_from_bounds(raised, raised)), at);
    block.push(if_then(raised, Statement::Break), at);
    block
}
