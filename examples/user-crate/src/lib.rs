//! A crate that uses relucheck in its tests (see tests/my_net.rs).
