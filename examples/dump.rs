fn main() {
    for p in std::env::args().skip(1) {
        let l = flinspect::load::load(std::path::Path::new(&p)).unwrap();
        match flinspect::format::parse(&l.bytes) {
            Ok(m) => println!(
                "{p}: OK v{} chk {} ops {} size {} trailing {} props {:?}",
                m.version.0,
                m.checkpoint_id,
                m.operators.len(),
                m.state_size(),
                m.trailing_bytes,
                m.properties.as_ref().map(|p| (p.snapshot_class, p.format))
            ),
            Err(e) => println!("{p}: ERR {e}"),
        }
    }
}
