//! Bounds read off a learner's WGSL *before* naga parses it.
//!
//! naga evaluates constant expressions while it parses, and its constant
//! evaluator builds array values element by element: `const A =
//! array<f32, 1000000000>(); const B = -A;` (91 bytes) took 3.9 GB and 10 s
//! in naga 27. So the size of every fixed-size array type is bounded here,
//! from the tokens alone: every `array<T, N>` (nested arrays, structs and
//! aliases resolved) may hold at most [`MAX_ARRAY_ELEMENTS`] scalars, and `N`
//! must be a number, a named integer constant, or `+ - * / %` of those. That
//! is far more than a kernel can use (8 KiB of private memory is 2,048 f32; a
//! workgroup's 16 KiB, 4,096), so no solution is refused. Bracket nesting is
//! bounded too, so nothing downstream recurses deeply.
//!
//! This is the first line only: whatever slips past it is parsed in the
//! sandbox process, under its memory limit and deadline.

use std::collections::HashMap;

/// Most scalars one array type (with everything nested in it) may hold.
pub const MAX_ARRAY_ELEMENTS: u64 = 16_384;
/// Deepest nesting of `(`, `[` and `{`.
pub const MAX_NESTING: usize = 64;

/// Why the text was refused (line is 1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexicalRefusal {
    pub line: u32,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind<'a> {
    Ident(&'a str),
    /// An integer literal (saturated at `u64::MAX`).
    Int(u64),
    Float,
    Punct(char),
}

#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    kind: Kind<'a>,
    line: u32,
}

fn refuse(line: u32, message: impl Into<String>) -> LexicalRefusal {
    LexicalRefusal {
        line,
        message: message.into(),
    }
}

/// Checks nesting and array sizes; `Ok` means naga may parse the text.
pub fn check(source: &str) -> Result<(), LexicalRefusal> {
    let tokens = tokenize(source)?;
    check_nesting(&tokens)?;
    let decls = Declarations::collect(&tokens);
    let mut sizes = Sizes {
        tokens: &tokens,
        decls: &decls,
        consts: HashMap::new(),
        types: HashMap::new(),
        resolving: Vec::new(),
    };
    for (i, t) in tokens.iter().enumerate() {
        if t.kind == Kind::Ident("array") && punct_at(&tokens, i + 1, '<') {
            let (count, _) = sizes.type_at(i)?;
            if count > MAX_ARRAY_ELEMENTS {
                return Err(too_big(t.line, count));
            }
        }
    }
    for name in decls.types.keys() {
        let count = sizes.named_type(name, 0)?;
        if count > MAX_ARRAY_ELEMENTS {
            let line = decls.types[name].1;
            return Err(too_big(line, count));
        }
    }
    Ok(())
}

fn too_big(line: u32, count: u64) -> LexicalRefusal {
    let shown = if count == u64::MAX {
        "more than 2^64".to_string()
    } else {
        count.to_string()
    };
    refuse(
        line,
        format!(
            "an array type here holds {shown} values; at most {MAX_ARRAY_ELEMENTS} are allowed \
             (a kernel's private memory is 8 KiB per invocation, a workgroup's 16 KiB)"
        ),
    )
}

fn punct_at(tokens: &[Token<'_>], i: usize, c: char) -> bool {
    tokens.get(i).is_some_and(|t| t.kind == Kind::Punct(c))
}

fn tokenize(source: &str) -> Result<Vec<Token<'_>>, LexicalRefusal> {
    let bytes = source.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    let mut line = 1u32;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' {
            line += 1;
            i += 1;
        } else if b.is_ascii_whitespace() {
            i += 1;
        } else if source[i..].starts_with("//") {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if source[i..].starts_with("/*") {
            // Block comments nest in WGSL.
            let start = line;
            let mut depth = 0usize;
            loop {
                if i >= bytes.len() {
                    return Err(refuse(start, "a /* comment is never closed"));
                }
                if source[i..].starts_with("/*") {
                    depth += 1;
                    i += 2;
                } else if source[i..].starts_with("*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if bytes[i] == b'\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if b.is_ascii_digit()
            || (b == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            let (kind, len) = number(&source[i..]);
            tokens.push(Token { kind, line });
            i += len;
        } else if b == b'_' || b.is_ascii_alphabetic() || b >= 0x80 {
            let start = i;
            while i < bytes.len() {
                let c = source[i..].chars().next().unwrap_or(' ');
                if c == '_' || c.is_alphanumeric() {
                    i += c.len_utf8();
                } else {
                    break;
                }
            }
            if i == start {
                // A non-ASCII character that is not a letter: a punctuation token.
                let c = source[i..].chars().next().unwrap_or(' ');
                tokens.push(Token {
                    kind: Kind::Punct(c),
                    line,
                });
                i += c.len_utf8();
            } else {
                tokens.push(Token {
                    kind: Kind::Ident(&source[start..i]),
                    line,
                });
            }
        } else {
            tokens.push(Token {
                kind: Kind::Punct(b as char),
                line,
            });
            i += 1;
        }
    }
    Ok(tokens)
}

/// One numeric literal at the start of `s`: its kind and length in bytes.
fn number(s: &str) -> (Kind<'static>, usize) {
    let bytes = s.as_bytes();
    let hex = s.starts_with("0x") || s.starts_with("0X");
    let mut i = if hex { 2 } else { 0 };
    let mut float = false;
    while i < bytes.len() {
        let c = bytes[i];
        let exponent = if hex {
            c == b'p' || c == b'P'
        } else {
            c == b'e' || c == b'E'
        };
        if exponent {
            float = true;
            i += 1;
            if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
                i += 1;
            }
        } else if c == b'.' {
            float = true;
            i += 1;
        } else if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            i += 1;
        } else {
            break;
        }
    }
    let digits_end = i;
    match bytes.get(i) {
        Some(b'f') | Some(b'h') => {
            float = true;
            i += 1;
        }
        Some(b'i') | Some(b'u') => i += 1,
        _ => {}
    }
    if float {
        return (Kind::Float, i);
    }
    let (radix, digits) = if hex {
        (16, &s[2..digits_end])
    } else {
        (10, &s[..digits_end])
    };
    let value = digits.chars().fold(0u64, |acc, c| {
        let d = c.to_digit(radix).unwrap_or(0) as u64;
        acc.saturating_mul(radix as u64).saturating_add(d)
    });
    (Kind::Int(value), i)
}

fn check_nesting(tokens: &[Token<'_>]) -> Result<(), LexicalRefusal> {
    let mut depth = 0usize;
    for t in tokens {
        match t.kind {
            Kind::Punct('(' | '[' | '{') => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(refuse(
                        t.line,
                        format!("brackets are nested more than {MAX_NESTING} levels deep here"),
                    ));
                }
            }
            Kind::Punct(')' | ']' | '}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Declarations array sizes may name: `const` at any scope (token index of
/// each expression after `=`: a name declared twice counts at its largest),
/// module-scope `alias` and `struct` (index after the name).
struct Declarations<'a> {
    consts: HashMap<&'a str, Vec<usize>>,
    /// name → (index of the type or member list, line)
    types: HashMap<&'a str, (TypeDecl, u32)>,
}

#[derive(Debug, Clone, Copy)]
enum TypeDecl {
    Alias(usize),
    Struct(usize),
}

impl<'a> Declarations<'a> {
    fn collect(tokens: &[Token<'a>]) -> Self {
        let mut consts = HashMap::new();
        let mut types = HashMap::new();
        let mut depth = 0usize;
        for (i, t) in tokens.iter().enumerate() {
            match t.kind {
                Kind::Punct('{' | '(' | '[') => depth += 1,
                Kind::Punct('}' | ')' | ']') => depth = depth.saturating_sub(1),
                Kind::Ident(word) => {
                    let Some(&Token {
                        kind: Kind::Ident(name),
                        ..
                    }) = tokens.get(i + 1)
                    else {
                        continue;
                    };
                    match word {
                        "const" => {
                            // `const NAME (: TYPE)? = EXPR;`
                            if let Some(eq) = tokens
                                .get(i + 2..)
                                .unwrap_or(&[])
                                .iter()
                                .take_while(|t| t.kind != Kind::Punct(';'))
                                .position(|t| t.kind == Kind::Punct('='))
                            {
                                consts.entry(name).or_insert_with(Vec::new).push(i + 3 + eq);
                            }
                        }
                        "alias" if depth == 0 && punct_at(tokens, i + 2, '=') => {
                            types.insert(name, (TypeDecl::Alias(i + 3), t.line));
                        }
                        "struct" if depth == 0 && punct_at(tokens, i + 2, '{') => {
                            types.insert(name, (TypeDecl::Struct(i + 3), t.line));
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        Declarations { consts, types }
    }
}

/// Element counts of types and values of integer constants, resolved lazily.
struct Sizes<'t, 'a> {
    tokens: &'t [Token<'a>],
    decls: &'t Declarations<'a>,
    consts: HashMap<&'a str, Option<u64>>,
    types: HashMap<&'a str, u64>,
    /// Names being resolved (a cycle is an error naga reports; here it counts as 1).
    resolving: Vec<&'a str>,
}

/// Deepest type nesting followed (naga refuses far less deep types anyway).
const MAX_TYPE_DEPTH: usize = 64;

impl<'t, 'a> Sizes<'t, 'a> {
    fn line(&self, i: usize) -> u32 {
        self.tokens
            .get(i)
            .or(self.tokens.last())
            .map(|t| t.line)
            .unwrap_or(1)
    }

    /// The type starting at token `i`: (scalars it holds, index after it).
    fn type_at(&mut self, i: usize) -> Result<(u64, usize), LexicalRefusal> {
        self.type_at_depth(i, 0)
    }

    fn type_at_depth(&mut self, i: usize, depth: usize) -> Result<(u64, usize), LexicalRefusal> {
        if depth > MAX_TYPE_DEPTH {
            return Err(refuse(self.line(i), "this type is nested too deeply"));
        }
        let Some(&Token {
            kind: Kind::Ident(name),
            ..
        }) = self.tokens.get(i)
        else {
            return Ok((1, i + 1));
        };
        let templated = punct_at(self.tokens, i + 1, '<');
        if name == "array" && templated {
            let (element, after) = self.type_at_depth(i + 2, depth + 1)?;
            if punct_at(self.tokens, after, '>') {
                // A runtime-sized array: only in storage buffers, never built by naga.
                return Ok((0, after + 1));
            }
            if !punct_at(self.tokens, after, ',') {
                return Ok((element, after));
            }
            let mut p = Parser {
                sizes: self,
                i: after + 1,
            };
            let count = p.expr(depth + 1)?;
            let end = p.i;
            let end = match self.tokens.get(end).map(|t| t.kind) {
                Some(Kind::Punct('>')) => end + 1,
                // `array<T, N,>`: WGSL allows a trailing comma.
                Some(Kind::Punct(',')) if punct_at(self.tokens, end + 1, '>') => end + 2,
                _ => return Err(not_a_size(self.line(end))),
            };
            return Ok((count.saturating_mul(element), end));
        }
        let own = match name {
            "vec2" | "vec2f" | "vec2i" | "vec2u" | "vec2h" => 2,
            "vec3" | "vec3f" | "vec3i" | "vec3u" | "vec3h" => 3,
            "vec4" | "vec4f" | "vec4i" | "vec4u" | "vec4h" => 4,
            _ if name.starts_with("mat") && name.len() >= 6 => {
                let b = name.as_bytes();
                match (char::from(b[3]).to_digit(10), char::from(b[5]).to_digit(10)) {
                    (Some(c), Some(r)) if b[4] == b'x' => u64::from(c * r),
                    _ => 1,
                }
            }
            "ptr" => 0,
            _ if self.decls.types.contains_key(name) => self.named_type(name, depth + 1)?,
            _ => 1,
        };
        let after = if templated {
            self.skip_template(i + 1)
        } else {
            i + 1
        };
        Ok((own, after))
    }

    /// Skips `<…>` starting at `open` (nested `<>` counted); index after it.
    fn skip_template(&self, open: usize) -> usize {
        let mut depth = 0usize;
        for (j, t) in self.tokens.iter().enumerate().skip(open) {
            match t.kind {
                Kind::Punct('<') => depth += 1,
                Kind::Punct('>') => {
                    depth -= 1;
                    if depth == 0 {
                        return j + 1;
                    }
                }
                Kind::Punct(';' | '{' | '}') => return j,
                _ => {}
            }
        }
        self.tokens.len()
    }

    fn named_type(&mut self, name: &'a str, depth: usize) -> Result<u64, LexicalRefusal> {
        if let Some(&n) = self.types.get(name) {
            return Ok(n);
        }
        if self.resolving.contains(&name) || depth > MAX_TYPE_DEPTH {
            return Ok(1);
        }
        let Some(&(decl, _)) = self.decls.types.get(name) else {
            return Ok(1);
        };
        self.resolving.push(name);
        let count = match decl {
            TypeDecl::Alias(at) => self.type_at_depth(at, depth + 1).map(|(n, _)| n),
            TypeDecl::Struct(at) => self.struct_members(at, depth + 1),
        };
        self.resolving.pop();
        let count = count?;
        self.types.insert(name, count);
        Ok(count)
    }

    /// The scalars of a struct's members: `name: TYPE,` up to the closing `}`.
    fn struct_members(&mut self, mut i: usize, depth: usize) -> Result<u64, LexicalRefusal> {
        let mut total = 0u64;
        while i < self.tokens.len() && !punct_at(self.tokens, i, '}') {
            if punct_at(self.tokens, i, ':') {
                let (n, after) = self.type_at_depth(i + 1, depth)?;
                total = total.saturating_add(n);
                i = after.max(i + 1);
            } else {
                i += 1;
            }
        }
        Ok(total)
    }

    fn const_value(&mut self, name: &'a str, depth: usize) -> Option<u64> {
        if let Some(&v) = self.consts.get(name) {
            return v;
        }
        if self.resolving.contains(&name) || depth > MAX_TYPE_DEPTH {
            return None;
        }
        let starts = self.decls.consts.get(name)?.clone();
        self.resolving.push(name);
        let mut largest = Some(0u64);
        for at in starts {
            let mut p = Parser { sizes: self, i: at };
            let value = p.expr(depth + 1).ok();
            let value = value.filter(|_| punct_at(p.sizes.tokens, p.i, ';'));
            largest = match (largest, value) {
                (Some(a), Some(b)) => Some(a.max(b)),
                _ => None,
            };
        }
        self.resolving.pop();
        self.consts.insert(name, largest);
        largest
    }
}

fn not_a_size(line: u32) -> LexicalRefusal {
    refuse(
        line,
        "an array size must be a whole number, a named integer constant, or + - * / % of those",
    )
}

/// A tiny integer evaluator for array sizes: literals, named constants,
/// `+ - * / %` and parentheses (saturating; a negative size is an error).
struct Parser<'s, 't, 'a> {
    sizes: &'s mut Sizes<'t, 'a>,
    i: usize,
}

impl<'a> Parser<'_, '_, 'a> {
    fn peek(&self) -> Option<Kind<'a>> {
        self.sizes.tokens.get(self.i).map(|t| t.kind)
    }

    fn expr(&mut self, depth: usize) -> Result<u64, LexicalRefusal> {
        let mut value = self.term(depth)? as i128;
        loop {
            match self.peek() {
                Some(Kind::Punct('+')) => {
                    self.i += 1;
                    value = value.saturating_add(self.term(depth)? as i128);
                }
                Some(Kind::Punct('-')) => {
                    self.i += 1;
                    value = value.saturating_sub(self.term(depth)? as i128);
                }
                _ => break,
            }
        }
        u64::try_from(value).map_err(|_| not_a_size(self.sizes.line(self.i)))
    }

    fn term(&mut self, depth: usize) -> Result<u64, LexicalRefusal> {
        let mut value = self.factor(depth)?;
        while let Some(Kind::Punct(op @ ('*' | '/' | '%'))) = self.peek() {
            self.i += 1;
            let rhs = self.factor(depth)?;
            value = match op {
                '*' => value.saturating_mul(rhs),
                '/' => value.checked_div(rhs).unwrap_or(u64::MAX),
                _ => value.checked_rem(rhs).unwrap_or(u64::MAX),
            };
        }
        Ok(value)
    }

    fn factor(&mut self, depth: usize) -> Result<u64, LexicalRefusal> {
        if depth > MAX_TYPE_DEPTH {
            return Err(not_a_size(self.sizes.line(self.i)));
        }
        let line = self.sizes.line(self.i);
        match self.peek() {
            Some(Kind::Int(v)) => {
                self.i += 1;
                Ok(v)
            }
            Some(Kind::Ident(name)) => {
                self.i += 1;
                self.sizes
                    .const_value(name, depth + 1)
                    .ok_or_else(|| not_a_size(line))
            }
            Some(Kind::Punct('(')) => {
                self.i += 1;
                let v = self.expr(depth + 1)?;
                if !punct_at(self.sizes.tokens, self.i, ')') {
                    return Err(not_a_size(line));
                }
                self.i += 1;
                Ok(v)
            }
            _ => Err(not_a_size(line)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(src: &str) -> LexicalRefusal {
        check(src).expect_err(src)
    }

    #[test]
    fn kernels_of_every_shape_pass() {
        for src in [
            "const T: u32 = 16u;\nvar<workgroup> xs: array<f32, 256>;\nvar<workgroup> ws: array<f32, T * T>;\n",
            "var<private> a: array<vec4<f32>, 512>;\nstruct S { a: array<f32, 64>, b: vec3f }\nvar<private> s: array<S, 16>;\n",
            "@group(0) @binding(0) var<storage, read> x: array<f32>;\nconst H = 0xFFFFFFFFu; const P = 747796405u;\n",
            "const L = array<f32, 4>(1.0, 2.0, 3.0, 4.0);\nalias Row = array<f32, 128>;\nvar<private> r: array<Row, 4,>;\n",
            "/* a /* nested */ comment */ fn f() { let x = 1e3f + .5 + 0x1p4; }",
        ] {
            assert_eq!(check(src), Ok(()), "{src}");
        }
    }

    #[test]
    fn huge_arrays_are_refused_however_they_are_written() {
        for (src, line) in [
            ("const A = array<f32, 1000000000>();\nconst B = -A;", 1),
            ("\nconst N = 1000000u;\nvar<private> a: array<f32, N>;", 3),
            ("const A = array<array<f32, 1000>, 1000>();", 1),
            ("const N = 4096u;\nconst A = array<f32, N * N>();", 2),
            (
                "struct S { a: array<f32, 1000> }\nconst A = array<S, 1000>();",
                2,
            ),
            ("alias R = array<f32, 1000>;\nalias M = array<R, 1000>;", 2),
            ("const A = array<f32, 99999999999999999999999999>();", 1),
            ("const A = array<vec4f, 8192>();", 1),
            ("const A = array<mat4x4f, 2048>();", 1),
            // A harmless module constant shadowed by a huge one in a function.
            (
                "const N = 1u;\nfn f() {\n  const N = 100000u;\n  var a: array<f32, N>;\n}",
                4,
            ),
        ] {
            let r = refused(src);
            assert_eq!(r.line, line, "{src}: {r:?}");
            assert!(r.message.contains("at most"), "{r:?}");
        }
    }

    #[test]
    fn array_sizes_must_be_plain_integers() {
        for src in [
            "override N: u32 = 8;\nvar<workgroup> a: array<f32, N>;",
            "var<private> a: array<f32, f(3)>;",
            "const N = 2.0;\nvar<private> a: array<f32, N>;",
            "const N = 4u - 9u;\nvar<private> a: array<f32, N>;",
            "const A = B; const B = A;\nvar<private> a: array<f32, A>;",
        ] {
            let r = refused(src);
            assert!(r.message.contains("array size"), "{src}: {r:?}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_with_its_line() {
        let src = format!(
            "fn f() {{\n let x = {}1{};\n}}",
            "(".repeat(100),
            ")".repeat(100)
        );
        let r = refused(&src);
        assert_eq!(r.line, 2);
        assert!(r.message.contains("nested"));
    }

    #[test]
    fn an_unclosed_comment_is_refused() {
        assert_eq!(refused("fn f() {}\n/* /* */").line, 2);
    }
}
