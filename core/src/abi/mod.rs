//! The plugin C ABI (in progress).
