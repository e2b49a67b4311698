//! criterion: every case in wall-clock time (`ns/...`) and in TSC cycles per
//! byte (`cycles/...`), peers side by side in each group.

use std::time::Duration;

use criterion::measurement::Measurement;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use criterion_cycles_per_byte::CyclesPerByte;

fn register<M: Measurement>(c: &mut Criterion<M>, label: &str) {
    let mut cases = scboot_benches::all();
    let mut groups: Vec<&'static str> = Vec::new();
    for k in &cases {
        if !groups.contains(&k.group) {
            groups.push(k.group);
        }
    }
    for g in groups {
        let mut group = c.benchmark_group(format!("{label}/{g}"));
        if let Some(first) = cases.iter().find(|k| k.group == g) {
            if first.bytes > 0 {
                group.throughput(Throughput::Bytes(first.bytes as u64));
            }
        }
        for k in cases.iter_mut().filter(|k| k.group == g) {
            group.bench_function(k.name, |b| b.iter(|| (k.run)()));
        }
        group.finish();
    }
}

fn wall(c: &mut Criterion) {
    register(c, "ns");
}

fn cycles(c: &mut Criterion<CyclesPerByte>) {
    register(c, "cycles");
}

criterion_group!(
    name = ns;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(1)).warm_up_time(Duration::from_millis(300));
    targets = wall
);
criterion_group!(
    name = cyc;
    config = Criterion::default().with_measurement(CyclesPerByte).sample_size(20).measurement_time(Duration::from_secs(1)).warm_up_time(Duration::from_millis(300));
    targets = cycles
);
criterion_main!(ns, cyc);
