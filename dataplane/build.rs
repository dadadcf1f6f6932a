//! Compiles `src/mimalloc_options.c`: mimalloc's defaults, set before `main` (and before the
//! first allocation), where safe Rust cannot reach.

fn main() {
    println!("cargo:rerun-if-changed=src/mimalloc_options.c");
    if std::env::var_os("CARGO_FEATURE_MIMALLOC").is_none() {
        return;
    }
    let mut build = cc::Build::new();
    if let Some(dir) = std::env::var_os("DEP_MIMALLOC_INCLUDE_DIR") {
        build.include(dir);
    }
    // whole-archive: nothing references the constructor, so the linker would drop it
    build
        .file("src/mimalloc_options.c")
        .link_lib_modifier("+whole-archive")
        .compile("gproxy_mimalloc_options");
}
