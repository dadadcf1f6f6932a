//! Generates the prost messages and the tonic client/server for `gproxy/v1/plane.proto` with a
//! vendored `protoc` (no system install needed).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    std::env::set_var("PROTOC", protoc);
    println!("cargo:rerun-if-changed=gproxy/v1/plane.proto");
    tonic_prost_build::configure()
        .btree_map(".")
        .compile_protos(&["gproxy/v1/plane.proto"], &["."])?;
    Ok(())
}
