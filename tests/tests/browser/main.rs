//! The browser tests, one binary: headless Chromium driving the real server, as
//! learners and teachers would. One binary, not one per file, so that libtest runs
//! them side by side (each test starts its own server and browser): one after another
//! they took 201 s of `make test`, most of it waiting on a page.

mod accessibility;
mod caching;
mod classes;
mod demos;
mod lab;
mod lessons;
mod phone;
mod predictions;
mod puzzles;
mod quiz;
mod review;
mod roofline;
mod security;
mod steps;
