//! The join link as a QR code, so a class can join from a projector: an SVG
//! drawn on the server (the browser's WASM carries no encoder).

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// An inline `<svg>` of `link` (black on white with its quiet zone, whatever
/// the page's theme: scanners need the contrast), or `None` when the link is
/// not a full URL (a path alone is useless to a phone) or too long to encode.
pub fn join_qr_svg(link: &str) -> Option<String> {
    if !(link.starts_with("http://") || link.starts_with("https://")) {
        return None;
    }
    let code = QrCode::with_error_correction_level(link.as_bytes(), EcLevel::M).ok()?;
    let xml = code
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    // Inline in HTML: no XML declaration.
    let start = xml.find("<svg")?;
    Some(xml[start..].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_link_becomes_an_inline_svg() {
        let svg = join_qr_svg("https://lab.example/join?code=ABCD-EFGH").unwrap();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{svg}");
        assert!(!svg.contains("<?xml"));
        assert!(svg.contains("#000000") && svg.contains("#ffffff"));
        // The same link gives the same code; another link another one.
        assert_eq!(
            join_qr_svg("https://lab.example/join?code=ABCD-EFGH").unwrap(),
            svg
        );
        assert_ne!(
            join_qr_svg("https://lab.example/join?code=WXYZ-EFGH").unwrap(),
            svg
        );
    }

    #[test]
    fn a_path_or_an_oversized_link_gets_none() {
        assert_eq!(join_qr_svg("/join?code=ABCD-EFGH"), None);
        let huge = format!("https://lab.example/{}", "x".repeat(5000));
        assert_eq!(join_qr_svg(&huge), None, "past a QR code's capacity");
    }
}
