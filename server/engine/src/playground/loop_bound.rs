//! A per-invocation loop budget, written into a learner's module.
//!
//! wgpu's own loop bounding only stops compilers from assuming that a loop
//! ends (its counter allows 2^64 iterations): it does not stop `loop {}` from
//! running until the GPU timeout, and a software GPU has no watchdog at all.
//! So every loop here starts with `if budget >= MAX { break; } budget += 1;`,
//! where `budget` is one private (per-invocation) counter shared by all loops:
//! a kernel then does at most `MAX_LOOP_ITERATIONS` iterations per
//! invocation, and a runaway one simply gives wrong output.

use wgpu::naga::{
    AddressSpace, Arena, BinaryOperator, Block, Expression, Function, GlobalVariable, Handle,
    Literal, Module, Range, Scalar, Span, Statement, Type, TypeInner,
};

/// Loop iterations one invocation may run, over all its loops together.
pub const MAX_LOOP_ITERATIONS: u32 = 1 << 15;

pub fn insert(module: &mut Module) {
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
    for (_, f) in module.functions.iter_mut() {
        bound_function(f, budget);
    }
    for e in module.entry_points.iter_mut() {
        bound_function(&mut e.function, budget);
    }
}

fn bound_function(f: &mut Function, budget: Handle<GlobalVariable>) {
    let mut body = std::mem::take(&mut f.body);
    bound_block(&mut body, &mut f.expressions, budget);
    f.body = body;
}

fn bound_block(block: &mut Block, exprs: &mut Arena<Expression>, budget: Handle<GlobalVariable>) {
    for (statement, _) in block.span_iter_mut() {
        match statement {
            Statement::Loop {
                body, continuing, ..
            } => {
                bound_block(body, exprs, budget);
                bound_block(continuing, exprs, budget);
                let mut guarded = guard(exprs, budget);
                guarded.append(body);
                *body = guarded;
            }
            Statement::If { accept, reject, .. } => {
                bound_block(accept, exprs, budget);
                bound_block(reject, exprs, budget);
            }
            Statement::Switch { cases, .. } => {
                for case in cases.iter_mut() {
                    bound_block(&mut case.body, exprs, budget);
                }
            }
            Statement::Block(inner) => bound_block(inner, exprs, budget),
            _ => {}
        }
    }
}

/// `if budget >= MAX { break; } budget = budget + 1;`
fn guard(exprs: &mut Arena<Expression>, budget: Handle<GlobalVariable>) -> Block {
    let at = Span::UNDEFINED;
    let pointer = exprs.append(Expression::GlobalVariable(budget), at);
    let limit = exprs.append(Expression::Literal(Literal::U32(MAX_LOOP_ITERATIONS)), at);
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
    let mut stop = Block::new();
    stop.push(Statement::Break, at);
    let mut block = Block::new();
    block.push(Statement::Emit(Range::new_from_bounds(used, next)), at);
    block.push(
        Statement::If {
            condition: spent,
            accept: stop,
            reject: Block::new(),
        },
        at,
    );
    block.push(
        Statement::Store {
            pointer,
            value: next,
        },
        at,
    );
    block
}
