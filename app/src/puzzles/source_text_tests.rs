use super::*;

const KERNEL: &str = "@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x
    if (i < p.n) { y[i] = 1.0; }
}
";

#[test]
fn lines_are_counted_as_the_textarea_shows_them() {
    assert_eq!(line_count(""), 1);
    assert_eq!(line_count("a"), 1);
    assert_eq!(line_count("a\nb"), 2);
    // The empty line after a trailing newline is numbered too.
    assert_eq!(line_count(KERNEL), 6);
}

#[test]
fn the_error_line_is_quoted_trimmed() {
    let q = error_quote(KERNEL, 2, Some(9)).unwrap();
    assert_eq!(q.line, 2);
    assert_eq!(
        q.text,
        "fn main(@builtin(global_invocation_id) gid: vec3<u32>) {"
    );
    assert_eq!(q.previous, None, "an error inside a line blames that line");
}

#[test]
fn a_line_that_is_not_there_is_not_quoted() {
    assert_eq!(error_quote(KERNEL, 0, None), None);
    assert_eq!(error_quote(KERNEL, 7, None), None);
}

#[test]
fn an_error_at_the_start_of_a_line_after_an_unfinished_one_names_that_line() {
    // naga's missing-semicolon error points at `if`, line 4 column 5.
    let q = error_quote(KERNEL, 4, Some(5)).unwrap();
    assert_eq!(q.text, "if (i < p.n) { y[i] = 1.0; }");
    assert_eq!(q.previous, Some((3, "let i = gid.x".to_string())));
    // Column 1 of an unindented line counts as its start too.
    let flat = "let a = 1\nlet b = 2;\n";
    assert_eq!(
        error_quote(flat, 2, Some(1)).unwrap().previous,
        Some((1, "let a = 1".to_string()))
    );
}

#[test]
fn blank_and_comment_lines_are_skipped_to_find_the_previous_statement() {
    let src = "let a = 1 // the value\n\n   // a note\n  let b = 2;\n";
    assert_eq!(
        error_quote(src, 4, Some(3)).unwrap().previous,
        Some((1, "let a = 1 // the value".to_string()))
    );
}

#[test]
fn finished_lines_block_openers_and_attributes_are_not_blamed() {
    for before in [
        "let a = 1;",
        "fn f() {",
        "}",
        "foo(a,",
        "@compute @workgroup_size(64)",
    ] {
        let src = format!("{before}\nlet b = 2;\n");
        assert_eq!(
            error_quote(&src, 2, Some(1)).unwrap().previous,
            None,
            "{before}"
        );
    }
    // The first line has nothing before it; no column, no guess.
    assert_eq!(error_quote("x\n", 1, Some(1)).unwrap().previous, None);
    assert_eq!(error_quote(KERNEL, 4, None).unwrap().previous, None);
}

#[test]
fn the_caret_goes_to_the_line_and_byte_column_in_utf16_units() {
    assert_eq!(caret_at(KERNEL, 1, Some(1)), 0);
    let line3 = KERNEL.find("    let i").unwrap() as u32;
    assert_eq!(caret_at(KERNEL, 3, Some(9)), line3 + 8);
    assert_eq!(caret_at(KERNEL, 3, None), line3);
    // Past the end of the line or the text: clamped.
    assert_eq!(caret_at("ab\ncd", 1, Some(40)), 2);
    assert_eq!(caret_at("ab\ncd", 9, Some(1)), 3);
    // "é" is two bytes and one UTF-16 unit; "𝑥" four bytes and two units.
    assert_eq!(caret_at("// é𝑥\nz", 1, Some(8)), 4);
    assert_eq!(caret_at("// é𝑥\nz", 2, Some(1)), 7);
}

#[test]
fn tab_replaces_the_selection_on_one_line_with_four_spaces() {
    let e = indent("ab", 1, 1);
    assert_eq!((e.text.as_str(), e.start, e.end), ("a    b", 5, 5));
    let e = indent("abcd", 1, 3);
    assert_eq!((e.text.as_str(), e.start, e.end), ("a    d", 5, 5));
}

#[test]
fn tab_on_a_selection_over_lines_indents_each_line() {
    let e = indent("a\nb\nc", 0, 3);
    assert_eq!(e.text, "    a\n    b\nc");
    assert_eq!((e.start, e.end), (4, 11));
    // A selection ending at the start of a line leaves that line alone.
    let e = indent("a\nb\nc", 0, 4);
    assert_eq!(e.text, "    a\n    b\nc");
}

#[test]
fn shift_tab_outdents_the_current_line_by_up_to_four_spaces() {
    let e = outdent("      x", 7, 7);
    assert_eq!((e.text.as_str(), e.start, e.end), ("  x", 3, 3));
    let e = outdent("a\n  b", 5, 5);
    assert_eq!((e.text.as_str(), e.start, e.end), ("a\nb", 3, 3));
    // A caret inside the removed blanks goes to the line start.
    let e = outdent("a\n    b", 4, 4);
    assert_eq!((e.text.as_str(), e.start), ("a\nb", 2));
    let e = outdent("\tx", 2, 2);
    assert_eq!((e.text.as_str(), e.start), ("x", 1));
    assert_eq!(outdent("x", 1, 1).text, "x");
}

#[test]
fn shift_tab_on_a_selection_over_lines_outdents_each_line() {
    let e = outdent("    a\n    b\nc", 4, 10);
    assert_eq!(e.text, "a\nb\nc");
    assert_eq!((e.start, e.end), (0, 2));
}

#[test]
fn indent_then_outdent_gives_the_text_back() {
    let text = "fn f() {\nlet a = 1;\n}";
    let i = indent(text, 9, 20);
    let o = outdent(&i.text, i.start, i.end);
    assert_eq!(o.text, text);
}
