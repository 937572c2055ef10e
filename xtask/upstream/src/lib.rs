//! Intentionally empty: this package only exists to pin the upstream spec
//! (see `Cargo.toml`). It is never built.
