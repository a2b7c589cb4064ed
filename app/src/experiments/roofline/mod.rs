//! The roofline model (Williams, Waterman and Patterson, CACM 2009) drawn
//! live: this server's measured roofs, and each run placed under them.

mod chart;
mod points;
mod puzzle;
mod server;
mod view;

pub use points::{result_points, RoofPath, RoofPoint, Source};
pub use puzzle::PuzzleRoofs;
pub use server::{get_roofs, measure_roofs, own_points, reference_points};
pub use view::{RooflineDemo, RooflineFor, RooflinePlot, RoofsSection};
