//! HTTP tests: the real app on port 0 with a fresh temporary SQLite database.

mod assets;
mod class_scale;
mod classes;
mod edge;
mod edge_limits;
mod experiments;
mod growth;
mod health;
mod helpers;
mod hostile;
mod loop_styles;
mod pages;
mod postgres;
mod prediction_spread;
mod predictions;
mod progress;
mod puzzles;
mod quiz;
mod review;
mod roofline;
mod route_list;
mod variants;
mod workers;
mod writes;
