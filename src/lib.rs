//! tizim: finds personal data in files, dumps and logs, and maps where it
//! lives against a privacy policy's declared purposes.
//!
//! The pipeline, one module a stage:
//! [`walk`] → [`source`] → [`detect`] → [`inventory`] (+ [`policy`]) → [`report`].
//! [`scan`] wires them together; [`gate`] decides the exit code.
//! Library code never prints.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod demo;
pub mod detect;
pub mod gate;
pub mod inventory;
pub mod key;
pub mod model;
pub mod partial;
pub mod policy;
pub mod position;
pub mod report;
pub mod scan;
pub mod source;
pub mod walk;
